// OCR workload: recognition of a fixed-pitch line of text in a noisy grayscale scan. The client
// renders text from a built-in 5x7 bitmap font (digits and capitals), scaled, with +-1 pixel jitter
// per glyph and Gaussian pixel noise; the recogniser matches every cell against every glyph
// template at every jitter offset by normalised cross-correlation (invariant to the scan's
// brightness and contrast) and keeps the best.
// One counted operation = one pixel multiply-add of a window statistic or a template correlation.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace amino::scenarios::offload {

inline constexpr std::string_view kOcrAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

struct OcrRequest {
  std::int32_t width = 0, height = 0;
  std::vector<std::uint8_t> pixels;  // row-major, 0 = black
  std::int32_t scale = 0;            // font pixel size in image pixels
  std::int32_t columns = 0;          // characters per text line
  std::int32_t length = 0;           // characters in the text (the last line may be short)
};

struct OcrResult {
  std::string text;
  std::int64_t counted_ops = 0;
};

// The paper's size: 48 characters in 2 lines of 24, scale 2, noise sd 60 grey levels on a
// 180-level print contrast.
inline constexpr int kPaperOcrLength = 48;
inline constexpr int kPaperOcrColumns = 24;
inline constexpr int kPaperOcrScale = 2;
inline constexpr double kPaperOcrNoiseSd = 60;

// `length` characters drawn uniformly from the alphabet.
std::string random_ocr_text(std::uint64_t seed, int length);
// Renders `text` (alphabet characters only) as a noisy scan.
OcrRequest render_ocr_image(const std::string& text, int columns, int scale, double noise_sd, std::uint64_t seed);
OcrResult recognise(const OcrRequest& req);

std::string encode_ocr_request(const OcrRequest& req);
OcrRequest decode_ocr_request(std::string_view bytes);
std::string encode_ocr_result(const OcrResult& r);
OcrResult decode_ocr_result(std::string_view bytes);

}  // namespace amino::scenarios::offload
