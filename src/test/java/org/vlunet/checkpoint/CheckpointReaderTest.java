package org.vlunet.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlunet.Fixtures;
import org.vlunet.config.VluNetConfig;
import org.vlunet.data.Degradation;
import org.vlunet.weights.HostTensor;
import org.vlunet.weights.Safetensors;
import org.vlunet.weights.WeightsException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;
import static org.vlunet.checkpoint.ReferenceLayoutTest.assertSameValues;

class CheckpointReaderTest {

    @TempDir
    Path dir;

    private static final Map<String, HostTensor> NET = Fixtures.readAll("vlunet_tiny_weights.safetensors");
    private static final Map<String, HostTensor> CLIP = Fixtures.readAll("clip_tiny_clip.safetensors");
    private static final Map<String, HostTensor> ADAPTER = Fixtures.readAll("clip_tiny_adapter.safetensors");

    private static VluNetConfig tinyConfig() {
        return VluNetConfig.load(Fixtures.path("e2e_tiny/config.json").toString());
    }

    @Test
    void lightningCheckpointMapsOntoTheThreeParts() {
        Checkpoint ck = CheckpointReader.read(Fixtures.path("e2e_tiny/model.ckpt"));
        assertEquals("Lightning checkpoint", ck.kind());
        assertEquals(List.of("backbone", "clip", "image adapter", "text adapter"), ck.parts());
        assertSameValues(NET, ck.backbone());
        assertSameValues(CLIP, ck.clip());
        assertSameValues(ADAPTER, ck.adapter());
        assertEquals("149", ck.details().get("epoch"));
        assertEquals("2980", ck.details().get("global_step"));
        assertEquals(List.of(), ck.ignored());

        Checkpoint inferred = ck.resolve(null);
        assertEquals(tinyConfig().model(), inferred.config().model(), "the backbone's shapes determine it");
        assertEquals(64, inferred.config().clip().vision().headWidth(), "without a configuration, open_clip's head width");
        assertEquals(Arrays.stream(Degradation.values()).map(d -> d.key).toList(), inferred.config().degradations());

        Checkpoint given = ck.resolve(tinyConfig());
        assertEquals(tinyConfig(), given.config());
        assertEquals(List.of("image with noise", "image with many noise", "image with large amount of noise", "image with haze",
                "image with rain", "image with blur", "image with low light"), given.prompts());
        assertEquals(Map.of("backbone", count(NET), "clip", count(CLIP), "image adapter", count(ADAPTER) / 2,
                "text adapter", count(ADAPTER) / 2), given.parameterCounts());
    }

    private static long count(Map<String, HostTensor> t) {
        return t.values().stream().mapToLong(HostTensor::numel).sum();
    }

    @Test
    void clipTunedIsTheAdapter() {
        Checkpoint ck = CheckpointReader.read(Fixtures.path("e2e_tiny/clip_tuned.pth"));
        assertEquals(List.of("image adapter", "text adapter"), ck.parts());
        assertSameValues(ADAPTER, ck.adapter());
        assertEquals("90", ck.details().get("epoch"));
        Checkpoint r = ck.resolve(null);
        assertNull(r.config(), "no backbone, no configuration");
    }

    @Test
    void safetensorsStateDictsAndMerging() {
        Checkpoint clip = CheckpointReader.read(Fixtures.path("clip_tiny_clip.safetensors"));
        assertEquals("open_clip safetensors", clip.kind());
        assertEquals(List.of("clip"), clip.parts());
        assertEquals(HostTensor.DType.F16, clip.clip().get("token_embedding.weight").dtype(), "stored dtype kept");
        Checkpoint net = CheckpointReader.read(Fixtures.path("vlunet_tiny_weights.safetensors"));
        assertEquals(List.of("backbone"), net.parts());
        Checkpoint all = CheckpointReader.read(List.of(Fixtures.path("vlunet_tiny_weights.safetensors"),
                Fixtures.path("clip_tiny_clip.safetensors"), Fixtures.path("e2e_tiny/clip_tuned.pth"))).resolve(tinyConfig());
        assertEquals(List.of("backbone", "clip", "image adapter", "text adapter"), all.parts());
        assertSameValues(NET, all.backbone());
        assertSameValues(CLIP, all.clip());
        assertSameValues(ADAPTER, all.adapter());
    }

    @Test
    void aCheckpointThatDoesNotFitIsRefusedWithTheDifferences() {
        Checkpoint ck = CheckpointReader.read(Fixtures.path("e2e_tiny/model.ckpt"));
        WeightsException e = assertThrows(WeightsException.class, () -> ck.resolve(VluNetConfig.load("vlunet-nhrbl")));
        String m = e.getMessage();
        assertFalse(m.contains("\n"), m);
        assertTrue(m.contains("does not fit the configuration"), m);
        assertTrue(m.contains("patch_embed.proj.weight: file [12, 3, 3, 3] vs config [48, 3, 3, 3]"), m);
        assertTrue(m.contains("missing key(s): encoder_level1.denoiser.blocks.1.norm1.body.weight [48]"), m);
        assertTrue(m.contains("clip: ") && m.contains("visual.conv1.weight: file [64, 3, 32, 32] vs config [768, 3, 32, 32]"), m);
        assertTrue(m.contains("the backbone's shapes say ModelConfig{dim=12"), m);
    }

    @Test
    void ourFormatRoundTripKeepsEverything() {
        Checkpoint ck = CheckpointReader.read(Fixtures.path("e2e_tiny/model.ckpt")).resolve(tinyConfig());
        Path out = dir.resolve("tiny.safetensors");
        Provenance p = Provenance.now("convert", 150L, 2980L, "model.ckpt", "Lightning epoch=149");
        ModelWriter.write(out, ck, p);
        try (Safetensors f = Safetensors.open(out)) {
            assertEquals(VluNetFormat.FORMAT, f.metadata().get("format"));
            assertTrue(f.contains("patch_embed.proj.weight") && f.contains("clip.visual.conv1.weight")
                    && f.contains("ad_imageEncoder.adapter.0.weight"));
        }
        Checkpoint back = CheckpointReader.read(out);
        assertEquals("VLU-Net checkpoint", back.kind());
        assertEquals(tinyConfig(), back.config(), "the stored configuration includes what shapes cannot tell");
        assertEquals(ck.prompts(), back.prompts());
        assertEquals(p, back.provenance());
        for (var part : List.of(List.of(ck.backbone(), back.backbone()), List.of(ck.clip(), back.clip()), List.of(ck.adapter(), back.adapter()))) {
            assertEquals(part.get(0).keySet(), part.get(1).keySet());
            part.get(0).forEach((k, v) -> {
                assertEquals(v.dtype(), part.get(1).get(k).dtype(), k);
                assertEquals(v.bytes(), part.get(1).get(k).bytes(), k);
            });
        }
        assertEquals(tinyConfig(), back.resolve(null).config(), "resolving again needs no --config");
    }

    @Test
    void metadataClassesMustFitTheNetwork() throws IOException {
        Checkpoint ck = CheckpointReader.read(Fixtures.path("e2e_tiny/model.ckpt")).resolve(tinyConfig());
        Path good = dir.resolve("tiny.safetensors");
        ModelWriter.write(good, ck, null);
        Map<String, String> meta;
        Map<String, HostTensor> tensors;
        try (Safetensors f = Safetensors.open(good)) {
            meta = new java.util.LinkedHashMap<>(f.metadata());
            tensors = Safetensors.readAll(good);
        }
        // a configuration without its own list: the classes metadata is the list, and must have one class per prompt
        VluNetConfig bare = new VluNetConfig(tinyConfig().model(), tinyConfig().clip(), null);
        meta.put("config", bare.toJson());
        meta.put("classes", "[\"denoise_15\", \"derain\"]");
        Path shortList = dir.resolve("short.safetensors");
        Safetensors.write(shortList, tensors, meta);
        String m = assertThrows(WeightsException.class, () -> CheckpointReader.read(shortList)).getMessage();
        assertTrue(m.startsWith(shortList + ": metadata classes: degradations lists 2 classes but model.deDim is 7"), m);
        // no configuration at all: the classes must fit the network the shapes describe (7 prompts)
        meta.remove("config");
        Path noConfig = dir.resolve("noconfig.safetensors");
        Safetensors.write(noConfig, tensors, meta);
        m = assertThrows(WeightsException.class, () -> CheckpointReader.read(noConfig)).getMessage();
        assertTrue(m.contains("metadata classes: degradations lists 2 classes but model.deDim is 7"), m);
        // one that disagrees with the configuration's list
        meta.put("config", tinyConfig().toJson());
        meta.put("classes", "[\"denoise_15\", \"derain\"]");
        Path other = dir.resolve("other.safetensors");
        Safetensors.write(other, tensors, meta);
        m = assertThrows(WeightsException.class, () -> CheckpointReader.read(other)).getMessage();
        assertTrue(m.contains("disagree with its configuration's"), m);
        // a full list with a bare configuration is taken, in its order
        List<String> reversed = new java.util.ArrayList<>(tinyConfig().degradations());
        java.util.Collections.reverse(reversed);
        meta.put("config", bare.toJson());
        meta.put("classes", new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(reversed));
        Path listed = dir.resolve("listed.safetensors");
        Safetensors.write(listed, tensors, meta);
        assertEquals(reversed, CheckpointReader.read(listed).config().degradations());
    }

    @Test
    void safetensorsHeaderLengthsThatLookLikeOtherFormats() throws IOException {
        // a header of 0x180 bytes starts with 0x80 (a pickle's first byte); 0x4b50 starts with "PK"
        for (int len : new int[] {0x180, 0x4b50}) {
            String json = "{\"patch_embed.proj.weight\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
            byte[] header = (json + " ".repeat(len - json.length())).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + len + 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            b.putLong(len).put(header).putFloat(2.5f);
            Path f = dir.resolve("h" + len + ".safetensors");
            Files.write(f, b.array());
            Checkpoint ck = CheckpointReader.read(f);
            assertEquals(List.of("backbone"), ck.parts());
            assertArrayEquals(new float[] {2.5f}, ck.backbone().get("patch_embed.proj.weight").toFloats());
        }
    }

    @Test
    void notACheckpoint() throws IOException {
        Path f = dir.resolve("notes.txt");
        Files.writeString(f, "hello, this is not a checkpoint");
        WeightsException e = assertThrows(WeightsException.class, () -> CheckpointReader.read(f));
        assertEquals(f + ": not a checkpoint (expected a PyTorch file written by torch.save, or a safetensors file)", e.getMessage());
        Path img = Fixtures.path("e2e_tiny/input.png");
        assertTrue(assertThrows(WeightsException.class, () -> CheckpointReader.read(img)).getMessage().contains("not a checkpoint"));
        Path missing = dir.resolve("nope.ckpt");
        assertEquals(missing + ": no such file", assertThrows(WeightsException.class, () -> CheckpointReader.read(missing)).getMessage());
    }
}
