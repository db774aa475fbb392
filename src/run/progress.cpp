#include "run/progress.h"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "common/pbt_segment.h"

namespace tune {
namespace {

std::string format_value(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string format_json_value(const Json& v) {
  if (v.is_number_float()) return format_value(v.get<double>());
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

// One line of a board: line breaks and tabs as spaces, other control characters as '?', so
// that an error quoting a program's output cannot move the cursor or break the redraw.
std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r' || c == '\t')
      c = ' ';
    else if ((static_cast<unsigned char>(c) < 0x20) || c == 0x7F)
      c = '?';
  }
  return text;
}

}  // namespace

Progress::Progress(std::ostream& out, int slots, Options options)
    : out_(out),
      options_(std::move(options)),
      workers_(static_cast<size_t>(std::max(slots, 0))),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

std::string Progress::short_config(const Config& params, size_t width) {
  std::string out;
  // A stretch of population-based training: which member, which epochs, whose weights.
  if (params.is_object() && params.contains(kPbtKey)) {
    try {
      const PbtSegment s = *PbtSegment::from_config(params, "params");
      out = "[member " + std::to_string(s.member) + ", epochs " + std::to_string(s.from_epoch + 1) +
            "-" + std::to_string(s.to_epoch) +
            (s.exploited ? ", copied member " + std::to_string(*s.exploited) : "") + "]";
      width += out.size() + 1;
    } catch (const std::exception&) {
      // not one of ours: shown as it is
    }
  }
  for (const auto& [k, v] : params.items()) {
    if (k == kPbtKey && !out.empty()) continue;
    std::string item = k + "=" + format_json_value(v);
    if (!out.empty() && out.size() + 1 + item.size() > width) return out + " ...";
    out += (out.empty() ? "" : " ") + item;
  }
  return out;
}

std::string Progress::format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  long s = std::lround(seconds);
  char buf[32];
  if (s < 60)
    std::snprintf(buf, sizeof buf, "%lds", s);
  else if (s < 3600)
    std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
  return buf;
}

void Progress::trial_started(int slot, int number, const std::string& device,
                             const Config& params) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (slot < 0 || static_cast<size_t>(slot) >= workers_.size()) return;
  workers_[slot] = Worker{number, device, short_config(params, 50), "", 0, ""};
  refresh(false);
}

void Progress::epoch(int slot, const Json& metrics) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (slot < 0 || static_cast<size_t>(slot) >= workers_.size()) return;
  Worker& w = workers_[slot];
  if (metrics.contains("epoch") && metrics["epoch"].is_number()) w.epoch = metrics["epoch"];
  for (const char* key : {"val_accuracy", "val_loss", "train_loss"}) {
    if (metrics.contains(key) && metrics[key].is_number()) {
      w.metric = std::string(key) + "=" + format_value(metrics[key].get<double>());
      break;
    }
  }
  refresh(false);
}

void Progress::trial_finished(int slot, const TrialSnapshot& t, std::optional<double> best) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++finished_;
  best_ = best;
  if (slot >= 0 && static_cast<size_t>(slot) < workers_.size()) workers_[slot] = Worker{};
  std::ostringstream line;
  line << "trial " << t.number << " " << to_string(t.state);
  if (t.state == TrialState::Pruned && t.summary.contains("pruned_at_epoch"))
    line << " at epoch " << t.summary["pruned_at_epoch"].dump();
  if (t.value) line << " " << options_.metric << "=" << format_value(*t.value);
  if (t.end_time > 0 && t.start_time > 0)
    line << " in " << format_duration(t.end_time - t.start_time);
  if (!t.device.empty()) line << " [" << t.device << "]";
  line << " | " << short_config(t.params);
  if (!t.error.empty()) line << " | error: " << one_line(t.error.substr(0, 200));
  if (best) line << " | best " << format_value(*best);
  print_line(line.str());
  refresh(true);
}

void Progress::message(const std::string& text) {
  std::lock_guard<std::mutex> lock(mutex_);
  print_line(text);
  refresh(true);
}

void Progress::waiting(int slot, const std::string& why) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (slot < 0 || static_cast<size_t>(slot) >= workers_.size()) return;
  const bool changed = workers_[slot].number >= 0 || workers_[slot].waiting != why;
  workers_[slot] = Worker{};
  workers_[slot].waiting = why;
  // A log gets the reason once, when it changes, not only at the next status line.
  if (changed && !options_.interactive && !closed_) print_line(worker_line(slot));
  refresh(changed);
}

void Progress::close() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (options_.interactive) clear_block();
  closed_ = true;
}

std::string Progress::status_line() const {
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::ostringstream s;
  int done = options_.done_before + finished_;
  s << "[" << done;
  if (options_.total > 0) s << "/" << options_.total;
  s << " trials] best " << (best_ ? format_value(*best_) : std::string("-")) << " | elapsed "
    << format_duration(elapsed);
  int left = std::max(0, options_.total - done);
  // No "eta 0s" while the last trials run or workers wait on trials that may free budget.
  if (options_.total > 0 && finished_ > 0 && left > 0)
    s << " | eta " << format_duration(elapsed / finished_ * left);
  return s.str();
}

std::string Progress::worker_line(size_t slot) const {
  const Worker& w = workers_[slot];
  std::ostringstream s;
  s << "  worker " << slot << ": ";
  if (w.number < 0) {
    s << (w.waiting.empty() ? std::string("idle") : w.waiting);
  } else {
    s << "trial " << w.number << " [" << w.device << "] epoch " << w.epoch;
    if (!w.metric.empty()) s << " " << w.metric;
    s << " | " << w.config;
  }
  return s.str();
}

void Progress::clear_block() {
  for (size_t i = 0; i < drawn_lines_; ++i) out_ << "\x1b[1A\x1b[2K";
  drawn_lines_ = 0;
}

void Progress::print_line(const std::string& line) {
  if (options_.interactive && !closed_) clear_block();
  out_ << line << "\n";
}

void Progress::refresh(bool force) {
  if (closed_) return;
  auto now = std::chrono::steady_clock::now();
  double since = std::chrono::duration<double>(now - last_draw_).count();
  if (options_.interactive) {
    if (!force && since < 0.2) return;
    clear_block();
    out_ << status_line() << "\n";
    for (size_t i = 0; i < workers_.size(); ++i) out_ << worker_line(i) << "\n";
    drawn_lines_ = workers_.size() + 1;
  } else {
    if (since < options_.plain_interval) return;
    out_ << status_line() << "\n";
    for (size_t i = 0; i < workers_.size(); ++i)
      if (workers_[i].number >= 0 || !workers_[i].waiting.empty()) out_ << worker_line(i) << "\n";
  }
  out_.flush();
  last_draw_ = now;
}

}  // namespace tune
