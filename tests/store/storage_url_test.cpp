#include <gtest/gtest.h>

#include "common/error.h"
#include "store/storage_url.h"

namespace tune {
namespace {

TEST(StorageUrl, MasksThePasswordOfAUrlAndOfEveryPasswordSetting) {
  EXPECT_EQ(mask_password("postgresql://ann:s3cret@db.example:5432/tune"),
            "postgresql://ann:***@db.example:5432/tune");
  EXPECT_EQ(mask_password("postgres://ann:p%40ss@[::1]/tune?sslmode=require"),
            "postgres://ann:***@[::1]/tune?sslmode=require");
  EXPECT_EQ(mask_password("postgresql://ann@host/tune?password=s3cret&sslmode=require"),
            "postgresql://ann@host/tune?password=***&sslmode=require");
  EXPECT_EQ(mask_password("host=db password=s3cret user=ann"), "host=db password=*** user=ann");
  EXPECT_EQ(mask_password("host=db password='s3 \\' cret' user=ann"),
            "host=db password=*** user=ann");
  EXPECT_EQ(mask_password("cannot reach postgresql://a:b@h/db or postgresql://c:d@h/db"),
            "cannot reach postgresql://a:***@h/db or postgresql://c:***@h/db");
  // Nothing to mask: left as it is.
  for (const char* plain : {"postgresql://ann@host:5432/tune", "postgresql://host/tune",
                            "sqlite:///tmp/a:b@c/study.db", "", "user@host: refused"})
    EXPECT_EQ(mask_password(plain), plain);
}

TEST(StorageUrl, ReadsSqliteAndPostgresqlUrlsAndRefusesAnythingElse) {
  StorageUrl sqlite = parse_storage_url("sqlite:///data/study.db", "--storage");
  EXPECT_EQ(sqlite.kind, StorageKind::Sqlite);
  EXPECT_EQ(sqlite.target, "/data/study.db");
  StorageUrl pg = parse_storage_url("postgresql://ann:pw@host/db", "--storage");
  EXPECT_EQ(pg.kind, StorageKind::Postgres);
  EXPECT_EQ(pg.target, "postgresql://ann:pw@host/db");
  EXPECT_EQ(parse_storage_url("postgres://host/db", "--storage").kind, StorageKind::Postgres);

  auto refusal = [](const std::string& url) {
    try {
      parse_storage_url(url, "--storage");
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  const std::string mysql = refusal("mysql://ann:s3cret@host/db");
  EXPECT_NE(mysql.find("--storage"), std::string::npos) << mysql;
  EXPECT_NE(mysql.find("allowed: sqlite:///path/study.db, postgresql://"), std::string::npos)
      << mysql;
  EXPECT_EQ(mysql.find("s3cret"), std::string::npos) << mysql;
  EXPECT_NE(refusal("sqlite://relative.db").find("three slashes"), std::string::npos);
  EXPECT_NE(refusal("study.db").find("unknown storage"), std::string::npos);
}

}  // namespace
}  // namespace tune
