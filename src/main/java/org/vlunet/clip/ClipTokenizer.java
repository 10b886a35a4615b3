package org.vlunet.clip;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * CLIP's byte-level BPE tokeniser as open_clip's {@code tokenize}: [start, ids…, end] padded with 0 to 77,
 * truncated to 77 keeping the end token. The vocabulary is /clip/tokenizer.json (Hugging Face format) run by
 * DJL's tokenizers library, pinned to the CPU build that ships in its jar (on GPU machines it would otherwise
 * look for a CUDA build and try to download it).
 */
public final class ClipTokenizer implements AutoCloseable {
    public static final long START = 49406;
    public static final long END = 49407;
    public static final int CONTEXT_LENGTH = 77;
    private static final String RESOURCE = "/clip/tokenizer.json";
    private static volatile ClipTokenizer shared;

    static {
        forceCpuNative();
    }

    private final HuggingFaceTokenizer tokenizer;
    private final int contextLength;

    private ClipTokenizer(HuggingFaceTokenizer tokenizer, int contextLength) {
        this.tokenizer = tokenizer;
        this.contextLength = contextLength;
    }

    /**
     * Selects the tokenizers library's CPU native build (RUST_FLAVOR, read as an environment variable or system
     * property) unless the user chose one.
     */
    static void forceCpuNative() {
        if (System.getenv("RUST_FLAVOR") == null && System.getProperty("RUST_FLAVOR") == null) {
            System.setProperty("RUST_FLAVOR", "cpu");
        }
    }

    /** A new tokeniser for {@code contextLength} positions (77 for CLIP). */
    public static ClipTokenizer open(int contextLength) {
        if (contextLength < 2) throw new IllegalArgumentException("context length must hold the start and end tokens, got " + contextLength);
        try (InputStream in = ClipTokenizer.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException("resource " + RESOURCE + " is missing from the build");
            HuggingFaceTokenizer t = HuggingFaceTokenizer.newInstance(in,
                    Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
            return new ClipTokenizer(t, contextLength);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    /** One 77-position tokeniser for the whole JVM (it is stateless and thread-safe). */
    public static ClipTokenizer shared() {
        ClipTokenizer t = shared;
        if (t == null) {
            synchronized (ClipTokenizer.class) {
                if (shared == null) shared = open(CONTEXT_LENGTH);
                t = shared;
            }
        }
        return t;
    }

    public int contextLength() {
        return contextLength;
    }

    /** BPE ids of the text alone (no start/end token, no padding). */
    public long[] ids(String text) {
        return tokenizer.encode(text, false, false).getIds();
    }

    /** open_clip's tokenize for one text: {@link #contextLength()} ids. */
    public long[] encode(String text) {
        long[] ids = ids(text);
        long[] out = new long[contextLength];
        int n = Math.min(ids.length, contextLength - 2);
        out[0] = START;
        System.arraycopy(ids, 0, out, 1, n);
        out[n + 1] = END;
        return out;
    }

    /** (n, contextLength) int64 token ids on {@code manager}. */
    public NDArray tokenize(NDManager manager, List<String> texts) {
        long[] all = new long[texts.size() * contextLength];
        for (int i = 0; i < texts.size(); i++) System.arraycopy(encode(texts.get(i)), 0, all, i * contextLength, contextLength);
        return manager.create(all, new Shape(texts.size(), contextLength));
    }

    @Override
    public void close() {
        if (this != shared) tokenizer.close();
    }
}
