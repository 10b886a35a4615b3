package org.vlunet.clip;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlunet.data.Degradation;
import org.vlunet.data.ImageCodec;
import org.vlunet.data.RgbImage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** finetune-clip's two data sources: the authors' training lists and a folder per class. */
class ExampleImagesTest {

    static void png(Path p, int w, int h, float v) {
        float[] px = new float[3 * w * h];
        java.util.Arrays.fill(px, v);
        ImageCodec.writePng(new RgbImage(w, h, px), p);
    }

    @Test
    void authorsListsGiveTheDegradedSideOncePerPair(@TempDir Path root) throws Exception {
        for (int i = 0; i < 2; i++) {
            png(root.resolve("denoising_datasets/noisy15/" + i + ".png"), 40, 35, 0.2f);
            png(root.resolve("denoising_datasets/clean/" + i + ".png"), 40, 35, 0.5f);
        }
        png(root.resolve("dehazing_datasets/hazy/a.png"), 33, 20, 0.9f);
        png(root.resolve("dehazing_datasets/clear/a.png"), 33, 20, 0.4f);
        Files.writeString(root.resolve("denoising_datasets/15_train_paths.txt"),
                "./denoising_datasets/noisy15/0.png,./denoising_datasets/clean/0.png\n./denoising_datasets/noisy15/1.png,./denoising_datasets/clean/1.png\n");
        Files.writeString(root.resolve("dehazing_datasets/train_paths.txt"), "./dehazing_datasets/hazy/a.png,./dehazing_datasets/clear/a.png\n");

        ExampleImages data = ExampleImages.authorsLists(root, List.of(Degradation.DENOISE_15, Degradation.DEHAZE));
        assertEquals(3, data.size()); // the x3 repeat of noise is not applied: each image once
        assertEquals(List.of(Degradation.DENOISE_15, Degradation.DENOISE_15, Degradation.DEHAZE),
                List.of(data.label(0), data.label(1), data.label(2)));
        RgbImage hazy = data.image(2);
        assertEquals(32, hazy.width()); // centre-cropped to a multiple of 16, the authors' rule
        assertEquals(16, hazy.height());
        assertEquals(0.9f, hazy.get(0, 3, 3), 1f / 255);
        assertTrue(data.describe(2).endsWith("a.png"), data.describe(2));

        assertThrows(RuntimeException.class, () -> ExampleImages.authorsLists(root, List.of(Degradation.DERAIN)));
    }

    @Test
    void classFoldersListEachClassInOrder(@TempDir Path root) {
        png(root.resolve("derain/b.png"), 20, 20, 0.1f);
        png(root.resolve("derain/a.jpg"), 20, 20, 0.1f);
        png(root.resolve("dehaze/x.png"), 20, 20, 0.1f);
        ClassFolders data = ClassFolders.open(root, List.of(Degradation.DEHAZE, Degradation.DERAIN));
        assertEquals(3, data.size());
        assertEquals(Degradation.DEHAZE, data.label(0));
        assertTrue(data.describe(1).endsWith("a.jpg"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClassFolders.open(root, List.of(Degradation.DEBLUR)));
        assertTrue(e.getMessage().contains("deblur"), e.getMessage());
    }
}
