#include "scenarios/code_offloading/ocr.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>

#include "runtime/rng.h"
#include "scenarios/code_offloading/payload.h"
#include "scenarios/code_offloading/workloads.h"

namespace amino::scenarios::offload {

namespace {

constexpr int kGlyphW = 5, kGlyphH = 7;
constexpr int kPaper = 220, kInk = 40;  // grey levels of the scan
constexpr std::int32_t kMaxScale = 8;
constexpr std::int32_t kMaxSide = 8192;

using Glyph = std::array<const char*, kGlyphH>;

// The built-in font, in the order of kOcrAlphabet ('#' = ink). Classic 5x7 dot-matrix shapes.
constexpr std::array<Glyph, 36> kFont = {{
    {".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."},  // 0
    {"..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."},  // 1
    {".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"},  // 2
    {"#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###."},  // 3
    {"...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."},  // 4
    {"#####", "#....", "####.", "....#", "....#", "#...#", ".###."},  // 5
    {"..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."},  // 6
    {"#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."},  // 7
    {".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."},  // 8
    {".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."},  // 9
    {".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"},  // A
    {"####.", "#...#", "#...#", "####.", "#...#", "#...#", "####."},  // B
    {".###.", "#...#", "#....", "#....", "#....", "#...#", ".###."},  // C
    {"###..", "#..#.", "#...#", "#...#", "#...#", "#..#.", "###.."},  // D
    {"#####", "#....", "#....", "####.", "#....", "#....", "#####"},  // E
    {"#####", "#....", "#....", "####.", "#....", "#....", "#...."},  // F
    {".###.", "#...#", "#....", "#.###", "#...#", "#...#", ".####"},  // G
    {"#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"},  // H
    {".###.", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."},  // I
    {"..###", "...#.", "...#.", "...#.", "...#.", "#..#.", ".##.."},  // J
    {"#...#", "#..#.", "#.#..", "##...", "#.#..", "#..#.", "#...#"},  // K
    {"#....", "#....", "#....", "#....", "#....", "#....", "#####"},  // L
    {"#...#", "##.##", "#.#.#", "#.#.#", "#...#", "#...#", "#...#"},  // M
    {"#...#", "#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#"},  // N
    {".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."},  // O
    {"####.", "#...#", "#...#", "####.", "#....", "#....", "#...."},  // P
    {".###.", "#...#", "#...#", "#...#", "#.#.#", "#..#.", ".##.#"},  // Q
    {"####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#"},  // R
    {".####", "#....", "#....", ".###.", "....#", "....#", "####."},  // S
    {"#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."},  // T
    {"#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."},  // U
    {"#...#", "#...#", "#...#", "#...#", "#...#", ".#.#.", "..#.."},  // V
    {"#...#", "#...#", "#...#", "#.#.#", "#.#.#", "#.#.#", ".#.#."},  // W
    {"#...#", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "#...#"},  // X
    {"#...#", "#...#", ".#.#.", "..#..", "..#..", "..#..", "..#.."},  // Y
    {"#####", "....#", "...#.", "..#..", ".#...", "#....", "#####"},  // Z
}};

// The recogniser does not know the scan's registration: it searches +-2 pixels, wider than the
// renderer's +-1 jitter. The window must stay inside the image: the cell margin is one font pixel,
// so scale >= 2 (checked) keeps a +-2 search inside the cell.
constexpr int kSearchRadius = 2;
constexpr int kMinScale = 2;

// Cell geometry: one font pixel of margin on every side leaves room for the jitter.
int cell_w(int scale) { return (kGlyphW + 2) * scale; }
int cell_h(int scale) { return (kGlyphH + 2) * scale; }

bool ink(const Glyph& g, int x, int y, int scale) { return g[y / scale][x / scale] == '#'; }

// Zero-mean, unit-length template of every glyph at `scale`: correlation with it is then just a dot
// product with the zero-mean window.
std::vector<std::vector<double>> templates(int scale) {
  const int n = kGlyphW * kGlyphH * scale * scale;
  std::vector<std::vector<double>> out;
  for (const Glyph& g : kFont) {
    std::vector<double> t;
    for (int y = 0; y < kGlyphH * scale; ++y) {
      for (int x = 0; x < kGlyphW * scale; ++x) t.push_back(ink(g, x, y, scale) ? 1.0 : 0.0);
    }
    double mean = 0, norm = 0;
    for (double v : t) mean += v / n;
    for (double& v : t) {
      v -= mean;
      norm += v * v;
    }
    for (double& v : t) v /= std::sqrt(norm);
    out.push_back(std::move(t));
  }
  return out;
}

// The window at (x0, y0) minus its mean; returns its length (0 when flat: nothing to correlate).
double zero_mean_window(const OcrRequest& req, int x0, int y0, std::vector<double>& w, OpCounter& ops) {
  w.clear();
  const int gw = kGlyphW * req.scale, gh = kGlyphH * req.scale;
  double mean = 0;
  for (int y = 0; y < gh; ++y) {
    for (int x = 0; x < gw; ++x) {
      w.push_back(req.pixels[static_cast<std::size_t>(y0 + y) * req.width + x0 + x]);
      mean += w.back();
    }
  }
  mean /= static_cast<double>(w.size());
  double norm = 0;
  for (double& v : w) {
    v -= mean;
    norm += v * v;
  }
  ops.add(2 * static_cast<std::int64_t>(w.size()));
  return std::sqrt(norm);
}

// Best glyph for the character cell whose top-left pixel is (cx, cy): the largest correlation
// over all glyphs and search offsets. Dark ink on light paper correlates negatively with the ink
// template, so the window is negated first.
char recognise_cell(const OcrRequest& req, const std::vector<std::vector<double>>& tpl, int cx, int cy,
                    OpCounter& ops) {
  std::vector<double> w;
  double best = -2;
  std::size_t best_glyph = 0;
  for (int dy = -kSearchRadius; dy <= kSearchRadius; ++dy) {
    for (int dx = -kSearchRadius; dx <= kSearchRadius; ++dx) {
      const double norm = zero_mean_window(req, cx + req.scale + dx, cy + req.scale + dy, w, ops);
      if (norm == 0) continue;
      for (std::size_t g = 0; g < tpl.size(); ++g) {
        double dot = 0;
        for (std::size_t i = 0; i < w.size(); ++i) dot -= w[i] * tpl[g][i];
        if (dot / norm > best) {
          best = dot / norm;
          best_glyph = g;
        }
      }
      ops.add(static_cast<std::int64_t>(tpl.size() * w.size()));
    }
  }
  return kOcrAlphabet[best_glyph];
}

void check_layout(const OcrRequest& r) {
  if (r.scale < kMinScale || r.scale > kMaxScale || r.columns < 1 || r.length < 0) {
    throw std::invalid_argument("ocr: bad layout");
  }
  const int lines = (r.length + r.columns - 1) / r.columns;
  if (r.width != r.columns * cell_w(r.scale) || r.height != std::max(lines, 1) * cell_h(r.scale) ||
      r.width > kMaxSide || r.height > kMaxSide) {
    throw std::invalid_argument("ocr: image size does not match the layout");
  }
  if (r.pixels.size() != static_cast<std::size_t>(r.width) * r.height) throw std::invalid_argument("ocr: pixel count");
}

}  // namespace

std::string random_ocr_text(std::uint64_t seed, int length) {
  Rng rng(seed);
  std::string s;
  for (int i = 0; i < length; ++i) {
    s.push_back(kOcrAlphabet[static_cast<std::size_t>(rng.uniform_int(0, kOcrAlphabet.size() - 1))]);
  }
  return s;
}

OcrRequest render_ocr_image(const std::string& text, int columns, int scale, double noise_sd, std::uint64_t seed) {
  OcrRequest r;
  r.scale = scale;
  r.columns = columns;
  r.length = static_cast<std::int32_t>(text.size());
  if (columns < 1 || scale < kMinScale || scale > kMaxScale) throw std::invalid_argument("ocr: bad layout");
  const int lines = std::max<int>(1, (r.length + columns - 1) / columns);
  r.width = columns * cell_w(scale);
  r.height = lines * cell_h(scale);
  r.pixels.resize(static_cast<std::size_t>(r.width) * r.height);
  check_layout(r);
  std::vector<double> level(r.pixels.size(), kPaper);
  Rng rng(seed);
  for (int i = 0; i < r.length; ++i) {
    const std::size_t g = kOcrAlphabet.find(text[i]);
    if (g == std::string_view::npos) throw std::invalid_argument("ocr: character not in the font");
    const int x0 = (i % columns) * cell_w(scale) + scale + static_cast<int>(rng.uniform_int(-1, 1));
    const int y0 = (i / columns) * cell_h(scale) + scale + static_cast<int>(rng.uniform_int(-1, 1));
    for (int y = 0; y < kGlyphH * scale; ++y) {
      for (int x = 0; x < kGlyphW * scale; ++x) {
        if (ink(kFont[g], x, y, scale)) level[static_cast<std::size_t>(y0 + y) * r.width + x0 + x] = kInk;
      }
    }
  }
  for (std::size_t p = 0; p < level.size(); ++p) {
    const long grey = std::lround(level[p] + noise_sd * standard_normal(rng));
    r.pixels[p] = static_cast<std::uint8_t>(std::clamp(grey, 0L, 255L));
  }
  return r;
}

OcrResult recognise(const OcrRequest& req) {
  check_layout(req);
  OpCounter ops;
  const std::vector<std::vector<double>> tpl = templates(req.scale);
  OcrResult r;
  for (int i = 0; i < req.length; ++i) {
    r.text.push_back(recognise_cell(req, tpl, (i % req.columns) * cell_w(req.scale),
                                    (i / req.columns) * cell_h(req.scale), ops));
  }
  r.counted_ops = ops.count();
  return r;
}

std::string encode_ocr_request(const OcrRequest& req) {
  check_layout(req);
  ByteWriter w;
  w.i32(req.width).i32(req.height).i32(req.scale).i32(req.columns).i32(req.length);
  w.raw(std::string_view(reinterpret_cast<const char*>(req.pixels.data()), req.pixels.size()));
  return w.take();
}

OcrRequest decode_ocr_request(std::string_view bytes) {
  ByteReader r(bytes);
  OcrRequest req;
  req.width = r.i32();
  req.height = r.i32();
  req.scale = r.i32();
  req.columns = r.i32();
  req.length = r.i32();
  if (req.width < 1 || req.height < 1 || req.width > kMaxSide || req.height > kMaxSide) {
    throw std::invalid_argument("ocr: bad image size");
  }
  const std::string_view px = r.raw(static_cast<std::size_t>(req.width) * req.height);
  req.pixels.assign(px.begin(), px.end());
  r.expect_end();
  check_layout(req);
  return req;
}

std::string encode_ocr_result(const OcrResult& res) {
  ByteWriter w;
  w.i64(res.counted_ops).str(res.text);
  return w.take();
}

OcrResult decode_ocr_result(std::string_view bytes) {
  ByteReader r(bytes);
  OcrResult res;
  res.counted_ops = r.i64();
  res.text = r.str();
  r.expect_end();
  return res;
}

}  // namespace amino::scenarios::offload
