package org.vlunet.eval;

import org.vlunet.infer.Readout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlunet.data.ImageCodec;
import org.vlunet.data.RgbImage;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The HTML report rendered by a real headless Chromium (Debian's package); skipped only where none is installed. */
class ReportBrowserTest {

    static Path chromium() {
        for (String c : new String[] {System.getenv("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"}) {
            if (c != null && Files.isExecutable(Path.of(c))) return Path.of(c);
        }
        return null;
    }

    static RgbImage picture(int w, int h, long seed, double noise) {
        Random r = new Random(seed);
        float[] p = new float[3 * w * h];
        for (int c = 0; c < 3; c++) for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) {
            double v = 0.5 + 0.35 * Math.sin(0.09 * x + 0.6 * c + seed) * Math.cos(0.07 * y) + noise * r.nextGaussian();
            p[(c * h + y) * w + x] = (float) Math.min(1, Math.max(0, v));
        }
        return new RgbImage(w, h, p);
    }

    /** Two sets of synthetic pairs scored for real, images on disk, and the report over them. */
    static Path makeReport(Path dir) throws IOException {
        List<SetResult> sets = new ArrayList<>();
        String[] classes = {"denoise_15", "denoise_25", "denoise_50", "derain", "dehaze", "deblur", "delowlight"};
        int seed = 0;
        for (String type : new String[] {"Denoise25", "Derain"}) {
            List<ImageResult> imgs = new ArrayList<>();
            for (int i = 0; i < 4; i++, seed++) {
                RgbImage clean = picture(96, 64, seed, 0), input = picture(96, 64, seed, 0.15), restored = picture(96, 64, seed, 0.02 + 0.02 * i);
                String name = String.format("img%02d.png", seed);
                Path base = dir.resolve("images").resolve(type);
                Path in = base.resolve("input").resolve(name), out = base.resolve("restored").resolve(name), gt = base.resolve("clean").resolve(name);
                ImageCodec.writePng(input, in);
                ImageCodec.writePng(restored, out);
                ImageCodec.writePng(clean, gt);
                Map<String, Double> probs = new LinkedHashMap<>();
                for (int k = 0; k < classes.length; k++) probs.put(classes[k], k == (type.equals("Derain") ? 3 : 1) ? 0.7 : 0.05);
                Map<String, Double> clip = type.equals("Derain") ? probs : null;
                imgs.add(new ImageResult(name, 96, 64, Score.of(restored, clean, MetricOptions.AUTHORS),
                        Score.of(input, clean, MetricOptions.AUTHORS), new Readout(probs, clip), in, out, gt));
            }
            sets.add(new SetResult(type.equals("Derain") ? "Rain100L" : "CBSD68", type, imgs));
        }
        Path html = dir.resolve("report.html");
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("checkpoint", "tiny.ckpt");
        facts.put("metric", MetricOptions.AUTHORS.label());
        Report.write(html, "VLU-Net · test report", facts, sets);
        return html;
    }

    static String runChromium(Path exe, Path profile, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(exe.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--hide-scrollbars", "--user-data-dir=" + profile));
        cmd.addAll(List.of(args));
        Path log = Files.createTempFile(profile.getParent(), "chromium", ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).redirectError(log.toFile()).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("chromium did not finish in 90 s");
        }
        assertEquals(0, p.exitValue(), "chromium failed: " + Files.readString(log));
        return new String(out, StandardCharsets.UTF_8);
    }

    @Test
    void rendersAndSortsInHeadlessChromium(@TempDir Path tmp) throws Exception {
        Path exe = chromium();
        assumeTrue(exe != null, "chromium is not installed (apt-get install -y chromium)");
        Path html = makeReport(tmp.resolve("out"));
        String url = html.toUri() + "#sort=psnr:asc";

        String dom = runChromium(exe, Files.createDirectories(tmp.resolve("profile1")),
                "--virtual-time-budget=3000", "--dump-dom", url);
        // The page's script ran: tables sorted as the address asked, all thumbnails resolved and decoded.
        assertTrue(dom.contains("data-sorted=\"psnr:asc\""), "no sort applied");
        Matcher th = Pattern.compile("data-thumbs=\"(\\d+)/(\\d+)\"").matcher(dom);
        assertTrue(th.find(), "load handler did not run");
        assertEquals("24", th.group(2));
        assertEquals(th.group(2), th.group(1), "thumbnails that failed to load");
        for (String table : dom.split("<table class=\"images\"")) {
            if (!table.contains("data-psnr")) continue;
            List<Double> psnr = new ArrayList<>();
            Matcher m = Pattern.compile("<tr data-name=\"[^\"]+\" data-psnr=\"([^\"]+)\"").matcher(table);
            while (m.find()) psnr.add(Double.parseDouble(m.group(1)));
            assertEquals(4, psnr.size());
            for (int i = 1; i < psnr.size(); i++) assertTrue(psnr.get(i - 1) <= psnr.get(i), "not ascending: " + psnr);
        }
        // Unsorted, rows are in file order and PSNR falls with the added noise, so the sort really reordered them.
        String plain = Files.readString(html);
        assertTrue(plain.indexOf("data-name=\"img00.png\"") < plain.indexOf("data-name=\"img03.png\""));
        assertTrue(dom.indexOf("data-name=\"img03.png\"") < dom.indexOf("data-name=\"img00.png\""));

        Path shot = tmp.resolve("report.png");
        runChromium(exe, Files.createDirectories(tmp.resolve("profile2")), "--virtual-time-budget=3000",
                "--screenshot=" + shot, "--window-size=1100,900", html.toUri().toString());
        BufferedImage img = ImageIO.read(shot.toFile());
        assertNotNull(img, "screenshot is not a PNG");
        assertEquals(1100, img.getWidth());
        assertEquals(900, img.getHeight());
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 3) for (int x = 0; x < img.getWidth(); x += 3) colours.add(img.getRGB(x, y) & 0xffffff);
        assertTrue(colours.size() > 200, "screenshot looks blank: " + colours.size() + " colours");
        Path keep = Path.of("target", "report-screenshot.png");
        Files.createDirectories(keep.getParent());
        Files.copy(shot, keep, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void pageIsSelfContained(@TempDir Path tmp) throws Exception {
        Path html = makeReport(tmp.resolve("out"));
        String page = Files.readString(html);
        assertFalse(page.contains("http://") || page.contains("https://"), "page refers to the network");
        assertTrue(Files.isRegularFile(tmp.resolve("out/thumbs/CBSD68/Denoise25/img00.restored.jpg")));
        BufferedImage t = ImageIO.read(tmp.resolve("out/thumbs/Rain100L/Derain/img05.input.jpg").toFile());
        assertEquals(96, t.getWidth());
        assertTrue(page.contains("href=\"images/Derain/clean/img05.png\""), "links to full size, relative");
        assertEquals(2, page.split("<table class=\"images\"").length - 1);
    }
}
