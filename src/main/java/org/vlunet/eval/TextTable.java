package org.vlunet.eval;

import java.util.ArrayList;
import java.util.List;

/** A plain-text table with a header, right-aligned numeric columns and an optional footer row. */
public final class TextTable {
    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();
    private final List<List<String>> footer = new ArrayList<>();

    public TextTable(String... header) {
        this.header = List.of(header);
    }

    public TextTable row(Object... cells) {
        rows.add(strings(cells));
        return this;
    }

    public TextTable footer(Object... cells) {
        footer.add(strings(cells));
        return this;
    }

    private List<String> strings(Object[] cells) {
        if (cells.length != header.size()) throw new IllegalArgumentException("row of " + cells.length + " cells for " + header.size() + " columns");
        List<String> s = new ArrayList<>();
        for (Object c : cells) s.add(String.valueOf(c));
        return s;
    }

    /** PSNR with two decimals ("inf" for identical images). */
    public static String db(double v) {
        return Double.isInfinite(v) ? "inf" : Double.isNaN(v) ? "-" : String.format("%.2f", v);
    }

    public static String ssim(double v) {
        return Double.isNaN(v) ? "-" : String.format("%.4f", v);
    }

    @Override
    public String toString() {
        int n = header.size();
        int[] w = new int[n];
        List<List<String>> all = new ArrayList<>();
        all.add(header);
        all.addAll(rows);
        all.addAll(footer);
        for (List<String> r : all) for (int i = 0; i < n; i++) w[i] = Math.max(w[i], r.get(i).length());
        StringBuilder sb = new StringBuilder();
        line(sb, header, w);
        rule(sb, w);
        for (List<String> r : rows) line(sb, r, w);
        if (!footer.isEmpty()) {
            rule(sb, w);
            for (List<String> r : footer) line(sb, r, w);
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, List<String> r, int[] w) {
        for (int i = 0; i < w.length; i++) {
            if (i > 0) sb.append("  ");
            String c = r.get(i);
            // First column left-aligned (names), others right-aligned (numbers).
            if (i == 0) sb.append(c).append(" ".repeat(w[i] - c.length()));
            else sb.append(" ".repeat(w[i] - c.length())).append(c);
        }
        sb.append('\n');
    }

    private static void rule(StringBuilder sb, int[] w) {
        int total = 0;
        for (int x : w) total += x;
        sb.append("-".repeat(total + 2 * (w.length - 1))).append('\n');
    }
}
