package org.vlunet;

import ai.djl.Device;
import org.junit.jupiter.api.Test;
import org.vlunet.data.ImageCodec;
import org.vlunet.data.RgbImage;
import org.vlunet.eval.MetricOptions;
import org.vlunet.eval.Score;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shipped default model restores a bundled held-out sample better than its input (issue 8). */
class DefaultModelTest {
    private static final Path MODEL = Path.of("pretrained_ckpt/vlunet-tiny-nhr.safetensors");
    private static final Path SAMPLES = Path.of("datasets/samples/denoising_datasets/CBSD68");

    @Test
    void restoresANoisySampleAboveTheInputsPsnr() {
        assertTrue(Files.isRegularFile(MODEL), "the default model ships at " + MODEL);
        String name = "palapeli-data-citrus-fruits.png";
        RgbImage noisy = ImageCodec.read(SAMPLES.resolve("noisy25").resolve(name)).cropToMultiple(16);
        RgbImage clean = ImageCodec.read(SAMPLES.resolve("clean").resolve(name)).cropToMultiple(16);
        try (VluNetModel model = VluNetModel.load(MODEL, null, Device.cpu())) {
            assertEquals(5, model.classes().size(), "the NHR classes");
            RgbImage restored = model.restore(noisy, true);
            Score before = Score.of(noisy, clean, MetricOptions.AUTHORS);
            Score after = Score.of(restored, clean, MetricOptions.AUTHORS);
            assertTrue(after.psnr() > before.psnr() + 1.0,
                    "restored PSNR " + after.psnr() + " should beat the input's " + before.psnr() + " by over 1 dB");
            assertTrue(after.ssim() > before.ssim(), "restored SSIM " + after.ssim() + " vs input " + before.ssim());
        }
    }
}
