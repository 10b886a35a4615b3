package org.vlunet;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlunet.checkpoint.Conversion;
import org.vlunet.checkpoint.Provenance;
import org.vlunet.config.VluNetConfig;
import org.vlunet.data.Degradation;
import org.vlunet.data.ImageCodec;
import org.vlunet.data.RgbImage;
import org.vlunet.weights.HostTensor;
import org.vlunet.weights.StateDict;
import org.vlunet.weights.WeightsException;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The authors' tiny end-to-end case through the one model path, and the round trip through our format. */
class VluNetModelTest {

    private static VluNetModel model;
    private static Map<String, HostTensor> expected;
    private static RgbImage input;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() {
        VluNetConfig config = VluNetConfig.load(Fixtures.path("e2e_tiny/config.json").toString());
        model = VluNetModel.load(Fixtures.path("e2e_tiny/model.ckpt"), config, Device.cpu());
        expected = Fixtures.readAll("e2e_tiny/expected.safetensors");
        input = ImageCodec.read(Fixtures.path("e2e_tiny/input.png"));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static float maxAbs(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        float m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    private static NDArray batch(NDManager m, RgbImage img) {
        return m.create(img.pixels(), new Shape(1, 3, img.height(), img.width()));
    }

    /** The model's unclamped output for the fixture input (one forward pass shared by the tests). */
    private static synchronized float[] restored() {
        if (restored == null) restored = model.restore(input, false).pixels();
        return restored;
    }

    private static float[] restored;

    @Test
    void restoresTheTinyCaseLikeTheAuthorsCode() {
        try (NDManager m = model.manager().newSubManager()) {
            NDArray x = batch(m, input);
            NDArray clipInput = model.clipInput(x);
            float e1 = maxAbs(expected.get("clip_input").toFloats(), clipInput.toFloatArray());
            float e2 = maxAbs(expected.get("features").toFloats(), model.encoder().features(clipInput).toFloatArray());
            float e3 = maxAbs(expected.get("restored").toFloats(), restored());
            System.out.printf("e2e max abs error: clip_input %.3g, features %.3g, restored %.3g%n", e1, e2, e3);
            assertTrue(e1 <= 1e-5, "clip_input error " + e1);
            assertTrue(e2 <= 1e-4, "features error " + e2);
            assertTrue(e3 <= 1e-4, "restored error " + e3);

            RgbImage png = ImageCodec.read(Fixtures.path("e2e_tiny/expected.png"));
            RgbImage mine = new RgbImage(input.width(), input.height(), restored()).clamped();
            int worst = 0;
            for (int i = 0; i < png.pixels().length; i++) {
                worst = Math.max(worst, Math.abs(ImageCodec.to8(png.pixels()[i]) - ImageCodec.to8(mine.pixels()[i])));
            }
            System.out.println("e2e PNG: worst difference " + worst + " grey level(s)");
            assertTrue(worst <= 1, "PNG differs by " + worst + " grey levels");
        }
    }

    @Test
    void readsOutTheDegradation() {
        try (NDManager m = model.manager().newSubManager()) {
            VluNetModel.BatchReadout r = model.readout(model.features(batch(m, input)));
            assertEquals(List.of(Degradation.values()), r.classes());
            assertEquals(7, r.gdm()[0].length);
            float sum = 0;
            for (float v : r.gdm()[0]) sum += v;
            assertEquals(1f, sum, 1e-5f);
            assertNotNull(r.clip(), "the checkpoint has the text adapter");
            assertEquals(Degradation.clipPromptOrder(), r.promptClasses());
            sum = 0;
            for (float v : r.clip()[0]) sum += v;
            assertEquals(1f, sum, 1e-5f);
            assertNotNull(r.gdmClass(0));
            assertNotNull(r.clipClass(0));
        }
        int live = model.manager().getManagedArrays().size();
        try (NDManager m = model.manager().newSubManager()) {
            model.readout(model.features(batch(m, input)));
        }
        assertEquals(live, model.manager().getManagedArrays().size(), "nothing left behind on the model's manager");
    }

    @Test
    void roundTripThroughOurFormatIsExact() {
        Path saved = dir.resolve("saved.safetensors");
        model.save(saved, Provenance.now("test", 1L, 2L, "model.ckpt", null));
        Path converted = dir.resolve("converted.safetensors");
        Conversion.convert(List.of(Fixtures.path("e2e_tiny/model.ckpt")), model.config(), converted, false);
        for (Path p : List.of(saved, converted)) {
            try (VluNetModel back = VluNetModel.load(p, null, Device.cpu())) {
                assertEquals(model.config(), back.config(), "no --config needed");
                assertEquals(model.prompts(), back.prompts());
                assertTrue(back.hasTextAdapter());
                assertSameParameters(StateDict.save(model.net()), StateDict.save(back.net()));
                assertSameParameters(StateDict.save(model.encoder().clip()), StateDict.save(back.encoder().clip()));
                assertSameParameters(StateDict.save(model.encoder().adapter()), StateDict.save(back.encoder().adapter()));
                if (p == converted) {
                    // through the ImageModel path the restore and test tools take
                    try (NDManager m = back.manager().newSubManager()) {
                        NDArray x = batch(m, input);
                        VluNetModel.Conditioned c = back.condition(x);
                        assertEquals(List.of("denoise_15", "denoise_25", "denoise_50", "derain", "dehaze", "deblur", "delowlight"),
                                List.copyOf(c.readout().gdm().keySet()));
                        assertEquals(List.of("denoise_15", "denoise_25", "denoise_50", "dehaze", "derain", "deblur", "delowlight"),
                                List.copyOf(c.readout().clip().keySet()), "CLIP's read-out in prompt order");
                        assertArrayEquals(restored(), c.network().apply(x).toFloatArray(), 0f, "restored image after convert");
                    }
                } else {
                    assertEquals("test", back.provenance().command());
                }
            }
        }
    }

    private static void assertSameParameters(Map<String, HostTensor> a, Map<String, HostTensor> b) {
        assertEquals(a.keySet(), b.keySet());
        a.forEach((k, v) -> assertEquals(v.bytes(), b.get(k).bytes(), k));
    }

    @Test
    void anAdapterAloneIsNotAModel() {
        WeightsException e = assertThrows(WeightsException.class,
                () -> VluNetModel.load(Fixtures.path("e2e_tiny/clip_tuned.pth"), null, Device.cpu()));
        assertTrue(e.getMessage().contains("lacks the backbone (net.*), CLIP"), e.getMessage());
    }
}
