// tune copy --from URL --to URL [--study NAME] [--to-study NAME]: a study moved between
// storages (SQLite to PostgreSQL and back), every trial, epoch and attribute as it was.
#include <iostream>

#include "cli/study_cli.h"
#include "common/error.h"
#include "store/storage_url.h"
#include "study/study_dir.h"

namespace tune::cli {

int copy_command(const Args& args) {
  cxxopts::Options options(args[0],
                           "Copies a study into a new one in another storage: every trial (states, "
                           "times, errors), its epochs and the study's attributes.");
  options.add_options()("from", "the study's storage: sqlite:///path/study.db or postgresql://...",
                        cxxopts::value<std::string>())(
      "to", "the new study's storage (the study there must hold no trial)",
      cxxopts::value<std::string>())("study", "the study's name in a PostgreSQL --from",
                                     cxxopts::value<std::string>())(
      "to-study", "its name in a PostgreSQL --to (default: --study)",
      cxxopts::value<std::string>())("h,help", "show this help");
  auto parsed = parse_options(options, args);
  if (parsed.count("help")) {
    std::cout << options.help();
    return 0;
  }
  for (const char* flag : {"from", "to"})
    if (!parsed.count(flag))
      throw ConfigError(args[0], std::string("--") + flag + " URL is required");
  const std::string from = parsed["from"].as<std::string>(), to = parsed["to"].as<std::string>();
  const std::string study = parsed.count("study") ? parsed["study"].as<std::string>() : "";
  const std::string to_study =
      parsed.count("to-study") ? parsed["to-study"].as<std::string>() : study;
  // A PostgreSQL database holds many studies: which one is a name.
  auto require_name = [&](const std::string& url, const std::string& url_flag,
                          const std::string& name, const std::string& name_flag) {
    if (parse_storage_url(url, url_flag).kind == StorageKind::Postgres && name.empty())
      throw ConfigError(args[0], name_flag + " NAME is required with a PostgreSQL " + url_flag);
  };
  require_name(from, "--from", study, "--study");
  require_name(to, "--to", to_study, "--to-study");

  auto source = open_existing_study(study, args[0] + " --study", from, "--from");
  const StudyRecord record = source->dump();
  print_warnings(*source);
  open_storage_url(to, to_study, "--to")->load(record);
  std::cerr << "tune: copied " << record.trials.size() << " trials, " << record.epochs.size()
            << " epochs and " << record.attrs.size() << " attributes from " << mask_password(from)
            << " to " << mask_password(to) << "\n";
  return 0;
}

}  // namespace tune::cli
