#include "report/report_page.h"

#include <map>

#include "report/assets.h"

namespace tune {
namespace {

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// JSON inside <script type="application/json">: "</" would end the element early, so it is
// written "<\/", which JSON reads back as "</".
std::string script_json(const Json& value) {
  const std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    out += text[i];
    if (text[i] == '<' && i + 1 < text.size() && text[i + 1] == '/') out += '\\';
  }
  return out;
}

// The template with each {{name}} replaced, in one pass (replacements are not scanned again).
std::string fill(std::string_view page, const std::map<std::string, std::string_view>& values) {
  std::string out;
  out.reserve(page.size() + assets::echarts_js.size() + (1 << 16));
  size_t at = 0;
  while (true) {
    const size_t open = page.find("{{", at);
    if (open == std::string_view::npos) break;
    const size_t close = page.find("}}", open + 2);
    if (close == std::string_view::npos) break;
    auto it = values.find(std::string(page.substr(open + 2, close - open - 2)));
    out.append(page.substr(at, (it == values.end() ? close + 2 : open) - at));
    if (it != values.end()) out.append(it->second);
    at = close + 2;
  }
  out.append(page.substr(at));
  return out;
}

std::string page(const std::string& title, const Json& config, const std::string& data) {
  const std::string escaped = html_escape(title);
  const std::string config_text = script_json(config);
  return fill(assets::report_html, {{"title", escaped},
                                    {"heading", escaped},
                                    {"style", assets::report_css},
                                    {"config", config_text},
                                    {"data", data},
                                    {"echarts", assets::echarts_js},
                                    {"script", assets::report_js}});
}

}  // namespace

std::string report_html(const Json& data) {
  const std::string name = data.at("study").value("name", std::string("study"));
  return page("tune report: " + name, {{"mode", "static"}}, script_json(data));
}

std::string dashboard_html(const std::string& title, int poll_ms) {
  return page("tune dashboard: " + title, {{"mode", "live"}, {"poll_ms", poll_ms}}, "null");
}

}  // namespace tune
