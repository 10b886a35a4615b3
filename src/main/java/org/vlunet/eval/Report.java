package org.vlunet.eval;

import org.vlunet.infer.Readout;
import org.vlunet.data.ImageCodec;
import org.vlunet.util.AtomicFiles;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The HTML report written beside the results: one self-contained page (inline style and script, nothing fetched)
 * with a summary table, then a table per set with, per image, thumbnails of the input, the restoration and the clean
 * image (each linking to the full-size file), PSNR/SSIM, the gain over the input and the degradation read-out as
 * bars. Image tables sort by clicking a column header, or on load from the address: {@code report.html#sort=psnr:asc}.
 * Thumbnails live in {@code thumbs/} beside the page; missing ones are made from the full-size files.
 */
public final class Report {
    public static final String[] KINDS = {"input", "restored", "clean"};

    private Report() {}

    /** Where the thumbnail of one view of one image goes, relative to the report's folder. */
    public static Path thumbnail(Path reportDir, SetResult set, ImageResult img, String kind) {
        return thumbnail(reportDir, set.set(), set.type(), img.file(), kind);
    }

    public static Path thumbnail(Path reportDir, String set, String type, String file, String kind) {
        return reportDir.resolve("thumbs").resolve(safe(set)).resolve(safe(type)).resolve(ImageFiles.stem(Path.of(file)) + "." + kind + ".jpg");
    }

    /**
     * Writes the page.
     *
     * @param title    heading, e.g. "VLU-Net · NHRBL"
     * @param facts    label → value lines under the heading (checkpoint, metric, date)
     */
    public static void write(Path html, String title, Map<String, String> facts, List<SetResult> sets) throws IOException {
        Path dir = html.toAbsolutePath().getParent();
        StringBuilder b = new StringBuilder(1 << 16);
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>").append(esc(title)).append("</title>\n");
        b.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<style>").append(CSS).append("</style></head>\n<body>\n");
        b.append("<h1>").append(esc(title)).append("</h1>\n<dl class=\"facts\">");
        facts.forEach((k, v) -> b.append("<dt>").append(esc(k)).append("</dt><dd>").append(esc(v)).append("</dd>"));
        b.append("</dl>\n<p class=\"dim\">Read-out: what the degradation encoder saw in each input. GDM: the first stage's"
                + " softmax over the degradation classes; CLIP: the softmax of the image's match with each degradation prompt"
                + " (when the text adapter is present). Click a column header to sort; thumbnails link to the full-size images.</p>\n");

        b.append("<h2>Summary</h2>\n<table class=\"summary\"><thead><tr><th>set</th><th>type</th><th>images</th><th>PSNR</th><th>SSIM</th>"
                + "<th>input PSNR</th><th>input SSIM</th></tr></thead><tbody>\n");
        for (SetResult s : sets) {
            Score m = s.mean(), in = s.inputMean();
            b.append("<tr><td><a href=\"#").append(anchor(s)).append("\">").append(esc(s.set())).append("</a></td><td>")
                    .append(esc(s.type())).append("</td><td class=\"n\">").append(s.images().size()).append("</td><td class=\"n\">")
                    .append(TextTable.db(m.psnr())).append("</td><td class=\"n\">").append(TextTable.ssim(m.ssim())).append("</td><td class=\"n\">")
                    .append(in == null ? "-" : TextTable.db(in.psnr())).append("</td><td class=\"n\">")
                    .append(in == null ? "-" : TextTable.ssim(in.ssim())).append("</td></tr>\n");
        }
        b.append("</tbody></table>\n");

        for (SetResult s : sets) {
            b.append("<h2 id=\"").append(anchor(s)).append("\">").append(esc(s.label())).append("</h2>\n");
            b.append("<table class=\"images\" data-set=\"").append(esc(s.label())).append("\"><thead><tr>")
                    .append("<th data-key=\"name\">image</th><th>input</th><th>restored</th><th>clean</th>")
                    .append("<th data-key=\"psnr\">PSNR</th><th data-key=\"ssim\">SSIM</th><th data-key=\"gain\" title=\"PSNR gain over the input\">gain</th>")
                    .append("<th data-key=\"top\">read-out</th></tr></thead><tbody>\n");
            for (ImageResult r : s.images()) row(b, dir, s, r);
            b.append("</tbody></table>\n");
        }
        b.append("<script>").append(JS).append("</script>\n</body></html>\n");
        AtomicFiles.writeString(html, b.toString());
    }

    private static void row(StringBuilder b, Path dir, SetResult s, ImageResult r) {
        double gain = r.input() == null ? Double.NaN : r.score().psnr() - r.input().psnr();
        b.append("<tr data-name=\"").append(esc(r.file())).append("\" data-psnr=\"").append(r.score().psnr())
                .append("\" data-ssim=\"").append(r.score().ssim()).append("\" data-gain=\"").append(gain)
                .append("\" data-top=\"").append(r.readout() == null ? "" : esc(r.readout().top())).append("\">");
        b.append("<td class=\"name\">").append(esc(r.file())).append("<br><span class=\"dim\">").append(r.width()).append('×').append(r.height()).append("</span></td>");
        Path[] full = {r.inputPath(), r.restoredPath(), r.cleanPath()};
        for (int k = 0; k < KINDS.length; k++) {
            b.append("<td class=\"view\">");
            Path thumb = ensureThumb(dir, s, r, KINDS[k], full[k]);
            if (thumb != null) {
                String img = "<img alt=\"" + KINDS[k] + "\" src=\"" + href(dir, thumb) + "\">";
                if (full[k] != null) b.append("<a href=\"").append(href(dir, full[k])).append("\">").append(img).append("</a>");
                else b.append(img);
            } else {
                b.append("<span class=\"dim\">not kept</span>");
            }
            b.append("</td>");
        }
        b.append("<td class=\"n\">").append(TextTable.db(r.score().psnr())).append("</td><td class=\"n\">").append(TextTable.ssim(r.score().ssim()))
                .append("</td><td class=\"n\">").append(Double.isNaN(gain) ? "-" : String.format(Locale.ROOT, "%+.2f", gain)).append("</td><td>");
        if (r.readout() != null) {
            b.append("<div class=\"readout\">");
            bars(b, "GDM", r.readout().gdm());
            if (r.readout().clip() != null) bars(b, "CLIP", r.readout().clip());
            b.append("</div>");
        }
        b.append("</td></tr>\n");
    }

    private static void bars(StringBuilder b, String what, Map<String, Double> probs) {
        if (probs.isEmpty()) return;
        String top = Readout.argmax(probs);
        b.append("<div class=\"ro\"><span class=\"dim\">").append(what).append("</span>");
        probs.forEach((k, p) -> b.append("<div class=\"bar").append(k.equals(top) ? " top" : "").append("\"><span class=\"lbl\">")
                .append(esc(k)).append("</span><span class=\"track\"><span class=\"fill\" style=\"width:")
                .append(String.format(Locale.ROOT, "%.1f", 100 * p)).append("%\"></span></span><span class=\"pct\">")
                .append(String.format(Locale.ROOT, "%.0f%%", 100 * p)).append("</span></div>"));
        b.append("</div>");
    }

    /** The thumbnail file, made from the full-size image when missing; null when neither exists. */
    private static Path ensureThumb(Path dir, SetResult s, ImageResult r, String kind, Path full) {
        Path t = thumbnail(dir, s, r, kind);
        if (Files.isRegularFile(t)) return t;
        if (full == null || !Files.isRegularFile(full)) return null;
        try {
            Thumbnails.write(ImageCodec.read(full), t);
            return t;
        } catch (RuntimeException e) {
            return null; // an unreadable file is left out of the page, not fatal to the report
        }
    }

    /** A relative link when the file is under the same root, else a file: URI; each segment percent-encoded. */
    static String href(Path dir, Path file) {
        Path abs = file.toAbsolutePath().normalize();
        Path rel;
        try {
            rel = dir.toAbsolutePath().normalize().relativize(abs);
        } catch (IllegalArgumentException e) {
            return esc(abs.toUri().toString());
        }
        List<String> parts = new ArrayList<>();
        for (Path p : rel) parts.add(URLEncoder.encode(p.toString(), StandardCharsets.UTF_8).replace("+", "%20"));
        return esc(String.join("/", parts));
    }

    private static String anchor(SetResult s) {
        return "set-" + safe(s.set()) + "-" + safe(s.type());
    }

    private static String safe(String s) {
        return s.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    private static final String CSS = """
            body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fafafa}
            h1{margin:0 0 8px}h2{margin:28px 0 8px;font-size:18px}
            dl.facts{display:grid;grid-template-columns:max-content auto;gap:2px 12px;margin:0 0 12px}
            dt{color:#666}dd{margin:0;font-family:ui-monospace,monospace;word-break:break-all}
            table{border-collapse:collapse;background:#fff;box-shadow:0 1px 2px #0002}
            th,td{padding:4px 8px;border-bottom:1px solid #e4e4e4;vertical-align:middle;text-align:left}
            th{background:#f0f0f0;font-weight:600;white-space:nowrap}
            th[data-key]{cursor:pointer;user-select:none}th[data-key]:hover{background:#e2e8f0}
            th.asc::after{content:" \\25B2";font-size:10px}th.desc::after{content:" \\25BC";font-size:10px}
            td.n{text-align:right;font-variant-numeric:tabular-nums}
            td.view img{display:block;max-width:160px;max-height:160px;border:1px solid #ccc}
            .dim{color:#888;font-size:12px}
            .readout{display:flex;gap:14px}.ro{margin:2px 0;width:190px}
            .bar{display:flex;align-items:center;gap:5px;font-size:10.5px;line-height:13px;color:#555}
            .bar .lbl{width:72px;text-align:right}.bar .pct{width:30px;text-align:right}
            .track{flex:1;height:8px;background:#eee;border-radius:4px;overflow:hidden}
            .fill{display:block;height:100%;background:#9aa9bd}.bar.top{color:#111;font-weight:600}.bar.top .fill{background:#2f6fdb}
            """;

    private static final String JS = """
            (function(){
              function cmp(a,b,key){
                var x=a.dataset[key], y=b.dataset[key], nx=parseFloat(x), ny=parseFloat(y);
                if(isNaN(nx)||isNaN(ny)) return x.localeCompare(y, undefined, {numeric:true});
                return nx===ny?0:(nx<ny?-1:1);
              }
              function sort(table,key,dir){
                var body=table.tBodies[0], rows=Array.prototype.slice.call(body.rows);
                rows.sort(function(a,b){var c=cmp(a,b,key);return dir==='asc'?c:-c;});
                rows.forEach(function(r){body.appendChild(r);});
                table.dataset.sorted=key+':'+dir;
                table.querySelectorAll('th[data-key]').forEach(function(th){
                  th.classList.remove('asc','desc'); if(th.dataset.key===key) th.classList.add(dir);});
              }
              document.querySelectorAll('table.images').forEach(function(t){
                t.querySelectorAll('th[data-key]').forEach(function(th){
                  th.addEventListener('click',function(){
                    var cur=t.dataset.sorted||'', k=th.dataset.key;
                    var dir=cur===k+':desc'?'asc':(cur===k+':asc'?'desc':(k==='name'||k==='top'?'asc':'desc'));
                    sort(t,k,dir);});});});
              var m=/sort=(\\w+):(asc|desc)/.exec(location.hash);
              if(m) document.querySelectorAll('table.images').forEach(function(t){sort(t,m[1],m[2]);});
              window.addEventListener('load',function(){
                var imgs=document.querySelectorAll('td.view img'), ok=0;
                imgs.forEach(function(i){if(i.complete&&i.naturalWidth>0) ok++;});
                document.body.dataset.thumbs=ok+'/'+imgs.length;
              });
            })();
            """;
}
