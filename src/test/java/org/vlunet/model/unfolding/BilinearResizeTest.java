package org.vlunet.model.unfolding;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/** The GDM's prompt resize is torch's plain bilinear (align_corners=False), also when shrinking. */
class BilinearResizeTest {

    @Test
    void weightsAlongOneAxis() {
        assertRows(new double[][] {{1, 0}, {0.75, 0.25}, {0.25, 0.75}, {0, 1}}, 2, 4); // upsampling
        assertRows(new double[][] {{0.5, 0.5, 0, 0}, {0, 0, 0.5, 0.5}}, 4, 2); // shrinking: no antialiasing
        assertRows(new double[][] {{1, 0, 0}, {0.6, 0.4, 0}, {0, 1, 0}, {0, 0.4, 0.6}, {0, 0, 1}}, 3, 5);
        assertRows(new double[][] {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}, 3, 3);
    }

    @Test
    void resizesBothAxesOfABatch() {
        try (NDManager m = NDManager.newBaseManager()) {
            // x[b, c, i, j] = 10·i + j + 100·(2b + c): bilinear keeps affine functions exactly, edges clamped.
            float[] v = new float[2 * 2 * 2 * 3];
            for (int b = 0; b < 2; b++) for (int c = 0; c < 2; c++) for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++)
                v[((b * 2 + c) * 2 + i) * 3 + j] = 10 * i + j + 100 * (2 * b + c);
            NDArray x = m.create(v, new Shape(2, 2, 2, 3));
            BilinearResize r = new BilinearResize();
            float[] y = r.resize(x, 4, 5, m).toFloatArray();
            double[] rowPos = {0, 0.25, 0.75, 1};
            double[] colPos = {0, 0.4, 1, 1.6, 2};
            for (int bc = 0; bc < 4; bc++) for (int i = 0; i < 4; i++) for (int j = 0; j < 5; j++)
                assertEquals(10 * rowPos[i] + colPos[j] + 100 * bc, y[(bc * 4 + i) * 5 + j], 1e-4, bc + "," + i + "," + j);
            // Same size: no change; the cached matrices are reused.
            assertArrayEquals(v, r.resize(x, 2, 3, m).toFloatArray());
        }
    }

    private static void assertRows(double[][] rows, int in, int out) {
        float[] m = BilinearResize.weights(in, out);
        for (int i = 0; i < out; i++) {
            for (int j = 0; j < in; j++) {
                assertEquals(rows[i][j], m[j * out + i], 1e-6, in + "->" + out + " output " + i + " input " + j + " " + Arrays.toString(m));
            }
        }
    }
}
