package org.vlunet.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import org.vlunet.model.TorchOps;

/**
 * One training batch on the host: degraded and clean crops (N,3,P,P) in [0,1], the CLIP encoder's input for each
 * degraded crop (N,3,S,S, already preprocessed), and each sample's degradation class id.
 */
public record TrainBatch(NDArray degraded, NDArray clean, NDArray clipInput, int[] classes) implements AutoCloseable {

    public TrainBatch {
        long n = degraded.getShape().get(0);
        if (clean.getShape().get(0) != n || clipInput.getShape().get(0) != n || classes.length != n) {
            throw new IllegalArgumentException("batch parts disagree on the batch size: degraded " + degraded.getShape()
                    + ", clean " + clean.getShape() + ", clip input " + clipInput.getShape() + ", " + classes.length + " classes");
        }
        if (!degraded.getShape().equals(clean.getShape())) {
            throw new IllegalArgumentException("degraded " + degraded.getShape() + " and clean " + clean.getShape() + " differ in shape");
        }
    }

    public int size() {
        return classes.length;
    }

    /**
     * Rows {@code [a, b)} of degraded, clean and CLIP input on {@code device}, attached to {@code into} (on the
     * batch's own device, all rows are the batch's arrays themselves, still owned by the batch). To another
     * device the three go in one transfer (each host-to-device copy waits for the device to finish its queue):
     * packed into one host array, copied, and split there into views.
     */
    public NDArray[] rows(int a, int b, Device device, NDManager into) {
        NDArray[] parts = {degraded, clean, clipInput};
        try (NDManager host = into.newSubManager(degraded.getDevice())) {
            if (a != 0 || b != size()) {
                NDIndex rows = new NDIndex(a + ":" + b);
                for (int i = 0; i < 3; i++) {
                    parts[i] = parts[i].get(rows);
                    parts[i].attach(host);
                }
            }
            NDArray[] out = new NDArray[3];
            if (device.equals(degraded.getDevice())) {
                for (int i = 0; i < 3; i++) {
                    out[i] = parts[i];
                    if (out[i].getManager() == host) out[i].attach(into); // a slice; the whole batch stays the batch's
                }
                return out;
            }
            long[] sizes = new long[3];
            NDList flat = new NDList(3);
            for (int i = 0; i < 3; i++) {
                sizes[i] = parts[i].size();
                NDArray f = parts[i].reshape(-1);
                f.attach(host);
                flat.add(f);
            }
            NDArray packed = NDArrays.concat(flat);
            packed.attach(host);
            NDArray there = packed.toDevice(device, false);
            there.attach(into);
            NDArray[] pieces = TorchOps.split(there, 0, sizes);
            for (int i = 0; i < 3; i++) {
                out[i] = pieces[i].reshape(parts[i].getShape());
                out[i].attach(into);
                pieces[i].close();
            }
            return out;
        }
    }

    @Override
    public void close() {
        degraded.close();
        clean.close();
        clipInput.close();
    }
}
