// API keys: SHA-256 against the FIPS 180-2 example vectors, key-file parsing, and checks.
#include <gtest/gtest.h>

#include "server/api_keys.hpp"

namespace slim::server {
namespace {

TEST(ServerApiKeys, Sha256MatchesFips180Vectors) {
  // FIPS 180-2, appendix B.1 and B.2; the empty string's digest is the well-known e3b0c442...
  EXPECT_EQ(to_hex(sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(to_hex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(to_hex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(ServerApiKeys, PlainAndHashedKeys) {
  // The second key is given by its digest only.
  const std::string hashed = to_hex(sha256("hashed-secret-key"));
  auto keys =
      ApiKeys::from_text("# comment\n\n  plain-secret-1  \r\nsha256:" + hashed + "\n", "keys.txt");
  ASSERT_TRUE(keys.is_ok()) << keys.status().message();
  EXPECT_EQ(keys->size(), 2u);
  EXPECT_TRUE(keys->check("plain-secret-1"));
  EXPECT_TRUE(keys->check("hashed-secret-key"));
  EXPECT_FALSE(keys->check("plain-secret-2"));
  EXPECT_FALSE(keys->check(""));
  EXPECT_TRUE(keys->check_bearer("Bearer plain-secret-1"));
  EXPECT_TRUE(keys->check_bearer("bearer hashed-secret-key"));
  EXPECT_FALSE(keys->check_bearer("Basic plain-secret-1"));
  EXPECT_FALSE(keys->check_bearer("plain-secret-1"));
  EXPECT_FALSE(keys->check_bearer(""));
}

TEST(ServerApiKeys, BadFilesAreRejectedWithLineNumbers) {
  auto empty = ApiKeys::from_text("# only a comment\n", "k");
  ASSERT_FALSE(empty.is_ok());
  EXPECT_NE(empty.status().message().find("no keys"), std::string::npos);
  auto short_key = ApiKeys::from_text("good-key-1\nshort\n", "k");
  ASSERT_FALSE(short_key.is_ok());
  EXPECT_NE(short_key.status().message().find("k:2"), std::string::npos);
  auto bad_hex = ApiKeys::from_text("sha256:" + std::string(63, 'a') + "g\n", "k");
  ASSERT_FALSE(bad_hex.is_ok());
  EXPECT_NE(bad_hex.status().message().find("hex digit"), std::string::npos);
  auto bad_len = ApiKeys::from_text("sha256:abcd\n", "k");
  ASSERT_FALSE(bad_len.is_ok());
  EXPECT_NE(bad_len.status().message().find("64 hex digits"), std::string::npos);
  auto missing = ApiKeys::load("/nonexistent/keys.txt");
  ASSERT_FALSE(missing.is_ok());
}

}  // namespace
}  // namespace slim::server
