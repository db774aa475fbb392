// What only the PostgreSQL backend does, beyond the shared contract
// (storage_conformance_test.cpp): several studies in one database, read-only opening, and
// errors that never show a password. On a throwaway server (tests/support/postgres_server.h).
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "../support/postgres_server.h"
#include "common/error.h"
#include "store/postgres.h"
#include "store/storage.h"

namespace tune {
namespace {

using testing::PostgresServer;

std::string study(const std::string& name) {
  return PostgresServer::study_name(name);
}

ClaimRequest request(int number, const Config& params) {
  ClaimRequest r;
  r.number = number;
  r.params = params;
  r.worker = "w";
  return r;
}

// Has the server end the connections named `application_name`, and waits until they are gone
// (pg_terminate_backend only asks).
void drop_connections(const std::string& application_name) {
  pg::Connection admin(PostgresServer::get().url());
  admin.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
             {pg::param(application_name)});
  for (int i = 0; i < 500; ++i) {
    const char* sql = "SELECT 1 FROM pg_stat_activity WHERE application_name = $1";
    if (admin.exec(sql, {pg::param(application_name)}).rows() == 0) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string config_error(const std::function<void()>& call) {
  try {
    call();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no ConfigError";
}

TEST(PostgresStorage, StudiesInOneDatabaseAreSeparate) {
  TUNE_REQUIRE_POSTGRES();
  const std::string url = PostgresServer::get().url();
  auto a = open_postgres_storage(url, study("separate_a"));
  auto b = open_postgres_storage(url, study("separate_b"));
  ASSERT_EQ(a->claim(request(0, {{"x", 1}})).status, ClaimStatus::Claimed);
  ASSERT_EQ(a->claim(request(1, {{"x", 2}})).status, ClaimStatus::Claimed);
  ASSERT_EQ(b->claim(request(0, {{"y", 1}})).status, ClaimStatus::Claimed);  // its own numbers
  a->report(0, {{"loss", 1.0}}, 1.0);
  a->set_attr("direction", "maximize");
  a->finish(0, TrialState::Complete, 1.0, "");
  EXPECT_EQ(a->trials().size(), 2u);
  ASSERT_EQ(b->trials().size(), 1u);
  EXPECT_EQ(b->trials()[0].params, (Json{{"y", 1}}));
  EXPECT_FALSE(b->attr("direction"));
  EXPECT_FALSE(b->best(Direction::Minimize));
  EXPECT_TRUE(b->changes_since({}).values.empty());
  EXPECT_EQ(b->fail_running("w", "stop"), 1);
  EXPECT_EQ(a->trial(1)->state, TrialState::Running);
}

TEST(PostgresStorage, ReadOnlyOpeningReadsAndNeverWrites) {
  TUNE_REQUIRE_POSTGRES();
  const std::string url = PostgresServer::get().url();
  const std::string name = study("read_only");
  EXPECT_NE(config_error([&] {
              open_postgres_storage_readonly(url, name);
            }).find("no such study in this database"),
            std::string::npos);
  auto writer = open_postgres_storage(url, name);
  ASSERT_EQ(writer->claim(request(0, {{"x", 1}})).status, ClaimStatus::Claimed);
  writer->finish(0, TrialState::Complete, 0.5, "");
  auto reader = open_postgres_storage_readonly(url, name);
  EXPECT_EQ(reader->best(Direction::Minimize)->number, 0);
  EXPECT_EQ(reader->changes_since({}).trials.size(), 1u);
  EXPECT_NE(config_error([&] { reader->claim(request(1, {})); }).find("opened read-only"),
            std::string::npos);
  EXPECT_THROW(reader->set_attr("x", 1), ConfigError);
  EXPECT_EQ(writer->trials().size(), 1u);
}

// A connection the server dropped fails the call that finds it so, and the next call connects
// again: a worker does not need a new Storage after a server restart.
TEST(PostgresStorage, ADroppedConnectionIsMadeAgainByTheNextCall) {
  TUNE_REQUIRE_POSTGRES();
  const std::string url = PostgresServer::get().url();
  const std::string name = study("dropped");
  auto storage = open_postgres_storage(url + "?application_name=" + name, name);
  ASSERT_EQ(storage->claim(request(0, {{"x", 1}})).status, ClaimStatus::Claimed);
  drop_connections(name);
  EXPECT_THROW(storage->heartbeat(0), pg::Error);
  storage->report(0, {{"loss", 0.5}}, 0.5);
  ASSERT_TRUE(storage->finish(0, TrialState::Complete, 0.5, ""));
  EXPECT_EQ(storage->trial(0)->metrics.size(), 1u);
}

// Session settings come back with the connection (the storage relies on them: a reader's
// read-only session, the idle-in-transaction timeout).
TEST(PostgresStorage, AConnectionMadeAgainHasItsSessionSettings) {
  TUNE_REQUIRE_POSTGRES();
  const std::string url = PostgresServer::get().url();
  const std::string name = study("session");
  pg::Connection db(url, {"SET application_name = '" + name + "'", "SET work_mem = '7MB'"});
  drop_connections(name);
  EXPECT_THROW(db.exec("SELECT 1"), pg::Error);
  EXPECT_EQ(db.exec("SHOW work_mem").row(0).text(0), "7MB");
  EXPECT_EQ(db.exec("SHOW application_name").row(0).text(0), name);
}

// A worker whose server goes away keeps its call waiting, retrying with backoff, and goes on
// once the server is back: the result it held is written once and nothing is lost. Past its
// retry time a call gives up with an error that says so (and shows no password). On a server
// of its own, since it stops it.
TEST(PostgresStorage, CallsWaitForAServerThatComesBackAndGiveUpPastTheirRetryTime) {
  const PostgresServer own(false);
  if (!own.missing().empty()) GTEST_SKIP() << own.missing();
  ASSERT_TRUE(own.failure().empty()) << own.failure();
  std::string url = own.url();
  url.replace(url.find("tune@"), 5, "tune:s3cret@");  // the trusting server ignores it
  auto storage = open_postgres_storage(url, "outage", 30);
  ASSERT_EQ(storage->claim(request(0, {{"x", 0}})).status, ClaimStatus::Claimed);
  ASSERT_EQ(storage->claim(request(1, {{"x", 1}})).status, ClaimStatus::Claimed);
  storage->report(0, {{"loss", 1.0}}, 1.0);

  ASSERT_TRUE(own.pause());
  std::thread back([&] {
    std::this_thread::sleep_for(std::chrono::seconds(2));
    own.resume();
  });
  auto finished = storage->finish(0, TrialState::Complete, 0.5, "");  // waits for the server
  back.join();
  ASSERT_TRUE(finished);
  EXPECT_EQ(finished->value, 0.5);
  storage->report(1, {{"loss", 2.0}}, 2.0);
  EXPECT_EQ(storage->claim(request(2, {{"x", 2}})).status, ClaimStatus::Claimed);
  auto all = storage->trials({{}, true});
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].state, TrialState::Complete);
  EXPECT_EQ(all[0].metrics.size(), 1u);
  EXPECT_EQ(all[1].metrics.size(), 1u);
  EXPECT_EQ(storage->changes_since({}).values.size(), 2u);

  auto impatient = open_postgres_storage(url, "outage", 1);
  ASSERT_TRUE(own.pause());
  std::string error = "no error";
  try {
    impatient->finish(1, TrialState::Complete, 2.0, "");
  } catch (const std::runtime_error& e) {
    error = e.what();
  }
  ASSERT_TRUE(own.resume());
  EXPECT_NE(error.find("unreachable for 1 s (giving up)"), std::string::npos) << error;
  EXPECT_EQ(error.find("s3cret"), std::string::npos) << error;
  EXPECT_TRUE(impatient->finish(1, TrialState::Complete, 2.0, ""));  // not written before
}

TEST(PostgresStorage, AnUnreachableServerIsAConfigErrorWithoutThePassword) {
  // Port 1 on loopback: nothing listens there, so the connection is refused at once.
  const std::string error =
      config_error([] { open_postgres_storage("postgresql://ann:s3cret@127.0.0.1:1/tune", "x"); });
  EXPECT_NE(error.find("postgresql://ann:***@127.0.0.1:1/tune"), std::string::npos) << error;
  EXPECT_NE(error.find("cannot connect"), std::string::npos) << error;
  EXPECT_EQ(error.find("s3cret"), std::string::npos) << error;
  const std::string bad = config_error(
      [] { open_postgres_storage("postgresql://ann:s3cret@127.0.0.1:notaport/tune", "x"); });
  EXPECT_EQ(bad.find("s3cret"), std::string::npos) << bad;
  EXPECT_NE(bad.find("cannot connect"), std::string::npos) << bad;
}

}  // namespace
}  // namespace tune
