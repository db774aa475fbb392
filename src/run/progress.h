#pragma once
// What a running study shows on stderr: one line per finished trial, and what each worker is
// doing (trial, device, epoch, last metric) with overall progress (done of total, best so far,
// elapsed, estimated time left). On a terminal the worker block is redrawn in place; elsewhere
// (a log file, CI) it is printed as plain lines, at most every `plain_interval` seconds.
#include <chrono>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/trial.h"

namespace tune {

class Progress {
 public:
  struct Options {
    bool interactive = false;    // redraw in place (a terminal)
    double plain_interval = 10;  // seconds between status lines when not interactive
    int total = 0;               // the trial budget, 0 if unknown
    int done_before = 0;         // trials already finished when this run started (a resume)
    Direction direction = Direction::Maximize;
    std::string metric = "value";
  };
  Progress(std::ostream& out, int slots, Options options);

  void trial_started(int slot, int number, const std::string& device, const Config& params);
  void epoch(int slot, const Json& metrics);
  // A finished trial's line; `best` is the best value so far.
  void trial_finished(int slot, const TrialSnapshot& trial, std::optional<double> best);
  void message(const std::string& line);  // any other line (warnings), above the block
  // The worker's line says why it waits instead of "idle", until its next trial starts.
  void waiting(int slot, const std::string& why);
  void close();  // clears the block; later output is plain

  // "lr=0.00123 units=128 optimizer=adam" within `width` characters.
  static std::string short_config(const Config& params, size_t width = 60);
  static std::string format_duration(double seconds);

 private:
  struct Worker {
    int number = -1;
    std::string device, config, metric;
    int epoch = 0;
    std::string waiting;  // why an idle worker waits, if it was told to
  };
  void print_line(const std::string& line);  // locked
  void refresh(bool force);                  // locked
  std::string status_line() const;
  std::string worker_line(size_t slot) const;
  void clear_block();

  std::ostream& out_;
  Options options_;
  std::vector<Worker> workers_;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  int finished_ = 0;
  std::optional<double> best_;
  size_t drawn_lines_ = 0;
  bool closed_ = false;
};

}  // namespace tune
