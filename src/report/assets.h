#pragma once
// The files the report's page inlines, embedded into the binary at build time
// (cmake/embed_assets.cmake): Apache ECharts from web/node_modules (pinned in
// web/package.json, fetched by scripts/setup.sh) and our own page, script and style sheet.
#include <string_view>

namespace tune::assets {

extern const std::string_view echarts_js;   // echarts.min.js, its licence header included
extern const std::string_view report_html;  // the page's template ({{name}} placeholders)
extern const std::string_view report_js;
extern const std::string_view report_css;

}  // namespace tune::assets
