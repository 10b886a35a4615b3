package org.vlunet.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * One step of a forward on a manager of its own. DJL attaches every op's result to its first operand's manager, so
 * without this a whole forward's intermediate arrays live until the caller closes its manager: at 800x600 the tiny
 * model left 881 arrays (12 GB of shapes, 8 GB resident) where a few hundred MB are live at any time. The step's
 * inputs are lent to a sub-manager while it runs (and handed back after), its result moves to the first input's
 * manager and everything else it made is freed on return. Under autograd this is safe: the graph holds its own
 * references to what backward needs.
 */
public final class ForwardScope {
    private ForwardScope() {}

    /**
     * Runs {@code step}, which computes from {@code inputs} (and parameters), and returns its result on the first
     * input's manager; every other array the step made is closed.
     */
    public static NDArray run(Supplier<NDArray> step, NDArray... inputs) {
        NDManager home = inputs[0].getManager();
        try (NDManager scope = home.newSubManager()) {
            List<NDArray> lent = new ArrayList<>(inputs.length);
            for (NDArray in : inputs) {
                if (lent.stream().noneMatch(a -> a == in)) { // an array lent twice would be handed back to the scope
                    in.tempAttach(scope);
                    lent.add(in);
                }
            }
            NDArray out = step.get();
            out.attach(home);
            return out;
        }
    }
}
