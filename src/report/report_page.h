#pragma once
// The report's page: one self-contained HTML document with Apache ECharts and our own script
// and style sheet inlined (embedded into the binary at build time from web/), so it opens
// from disk with no network and no server.
#include <string>

#include "common/json.h"

namespace tune {

// A static report: `data` (StudyReport::data()) is inlined.
std::string report_html(const Json& data);
// The live dashboard's page: no data inlined; its script fetches `api/study` (relative to the
// page) every `poll_ms` and redraws.
std::string dashboard_html(const std::string& title, int poll_ms);

}  // namespace tune
