package org.vlunet.model;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.initializer.UniformInitializer;
import ai.djl.util.PairList;

/**
 * Base of every network part here, in the manner of a PyTorch module: parameter shapes are fixed when the
 * block is built (no shape inference), children and parameters carry the reference names (so the state-dict
 * key is the path of names joined by '.'; see {@link org.vlunet.weights.StateDict}), and parents call their
 * children's typed methods directly instead of going through {@code Block.forward}, which would walk the
 * parameter tree on every call in training mode.
 */
public abstract class ModuleBlock extends AbstractBlock {

    /** How a parameter is initialised when no weights are loaded (PyTorch's defaults). */
    public enum Init {
        /** U(-1/sqrt(fan_in), 1/sqrt(fan_in)): torch's default for Conv and Linear weights and biases. */
        FAN_IN_UNIFORM,
        ONES,
        ZEROS,
        /** N(0, 0.02): used for embeddings and prompts. */
        NORMAL
    }

    /** Registers a parameter; {@code fanIn} is used by {@link Init#FAN_IN_UNIFORM} (ignored otherwise). */
    protected final Parameter param(String name, Init init, long fanIn, long... shape) {
        Parameter.Builder b = Parameter.builder().setName(name).setType(Parameter.Type.OTHER).optShape(new Shape(shape));
        switch (init) {
            case FAN_IN_UNIFORM -> b.optInitializer(new UniformInitializer((float) (1.0 / Math.sqrt(Math.max(1, fanIn)))));
            case ONES -> b.optInitializer(new ConstantInitializer(1f));
            case ZEROS -> b.optInitializer(new ConstantInitializer(0f));
            case NORMAL -> b.optInitializer(new NormalInitializer(0.02f));
        }
        return addParameter(b.build());
    }

    /** A weight with torch's default initialisation; fan-in is the product of all but the first dimension. */
    protected final Parameter weight(String name, long... shape) {
        long fanIn = 1;
        for (int i = 1; i < shape.length; i++) fanIn *= shape[i];
        return param(name, Init.FAN_IN_UNIFORM, fanIn, shape);
    }

    protected final <B extends Block> B child(String name, B block) {
        return addChildBlock(name, block);
    }

    /** Allocates every parameter on {@code manager} (float32) with its default initialisation. */
    public final <T extends ModuleBlock> T initialize(NDManager manager) {
        initialize(manager, DataType.FLOAT32, new Shape(1));
        @SuppressWarnings("unchecked")
        T self = (T) this;
        return self;
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        for (Block c : children.values()) c.initialize(manager, dataType, inputShapes);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        throw new UnsupportedOperationException(getClass().getSimpleName()
                + " fixes its parameter shapes at construction and does not infer output shapes");
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " is called through its typed methods");
    }
}
