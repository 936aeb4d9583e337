// Wire formats of the handshake checks, from byte strings (no network).
#include <doctest/doctest.h>

#include <string>

#include "wire.hpp"

using namespace std::string_literals;
namespace wire = syncpath::probes::wire;

namespace {
std::string hex(const std::string& bytes) {
  static const char* k = "0123456789abcdef";
  std::string r;
  for (unsigned char c : bytes) {
    r.push_back(k[c >> 4]);
    r.push_back(k[c & 15]);
  }
  return r;
}

// A MariaDB 10.11 HandshakeV10 payload, laid out by hand from the protocol documentation.
std::string mariadb_greeting() {
  std::string p;
  p += '\x0a';
  p += "5.5.5-10.11.6-MariaDB-0+deb12u1"s + '\0';
  p += "\x2a\x00\x00\x00"s;              // connection id 42
  p += "abcdefgh";                       // scramble part 1
  p += '\0';                             // filler
  p += "\xfe\xf7"s;                      // capabilities, low half (SECURE_CONNECTION set)
  p += '\x2d';                           // charset
  p += "\x02\x00"s;                      // status
  p += "\xff\x81"s;                      // capabilities, high half (PLUGIN_AUTH set)
  p += '\x15';                           // scramble length 21
  p += std::string(10, '\0');            // reserved
  p += "ijklmnopqrst"s + '\0';           // scramble part 2 (13 bytes with the NUL)
  p += "mysql_native_password"s + '\0';
  return p;
}
}  // namespace

TEST_CASE("a MariaDB greeting is parsed into version, connection id, scramble and plugin") {
  auto g = wire::parse_mysql_greeting(mariadb_greeting());
  REQUIRE(g);
  CHECK(g->server_version == "5.5.5-10.11.6-MariaDB-0+deb12u1");
  CHECK(g->connection_id == 42);
  CHECK(g->scramble == "abcdefghijklmnopqrst");
  CHECK(g->auth_plugin == "mysql_native_password");
  CHECK((g->capabilities & 0x8000) != 0);
}

TEST_CASE("a truncated or foreign payload is not taken for a greeting") {
  CHECK_FALSE(wire::parse_mysql_greeting(""));
  CHECK_FALSE(wire::parse_mysql_greeting("\x0a" "5.5"s));            // no NUL after the version
  CHECK_FALSE(wire::parse_mysql_greeting("HTTP/1.0 400 Bad Request"));
  auto cut = mariadb_greeting().substr(0, 20);
  CHECK_FALSE(wire::parse_mysql_greeting(cut));
}

TEST_CASE("the 1130 error packet sent before the greeting is parsed") {
  // What MariaDB sends to a client host without any matching account (no SQL state marker).
  std::string payload = "\xff\x6a\x04"s + "Host '10.231.1.3' is not allowed to connect to this MariaDB server";
  std::string framed = wire::mysql_packet(0, payload);
  REQUIRE(framed.size() == payload.size() + 4);
  CHECK(static_cast<std::size_t>(static_cast<unsigned char>(framed[0])) == payload.size());
  CHECK(framed.substr(1, 3) == std::string("\x00\x00\x00", 3));
  std::string buffer = framed + "extra";
  auto packet = wire::take_mysql_packet(buffer);
  REQUIRE(packet);
  CHECK(buffer == "extra");
  CHECK(packet->sequence == 0);
  auto err = wire::parse_mysql_error(packet->payload);
  REQUIRE(err);
  CHECK(err->code == 1130);
  CHECK(err->sql_state.empty());
  CHECK(err->message.find("is not allowed to connect") != std::string::npos);
}

TEST_CASE("the 1045 error after a login carries its SQL state") {
  std::string payload = "\xff\x15\x04#28000Access denied for user 'sync'@'10.231.1.2' (using password: YES)"s;
  auto err = wire::parse_mysql_error(payload);
  REQUIRE(err);
  CHECK(err->code == 1045);
  CHECK(err->sql_state == "28000");
  CHECK(err->message.rfind("Access denied", 0) == 0);
}

TEST_CASE("an incomplete MySQL packet waits for more bytes") {
  std::string buffer = "\x10\x00\x00\x00short"s;
  CHECK_FALSE(wire::take_mysql_packet(buffer));
  CHECK(buffer.size() == 9);
}

TEST_CASE("an auth switch request names the plugin and its data") {
  auto sw = wire::parse_mysql_auth_switch("\xfe"s + "mysql_native_password"s + '\0' + "01234567890123456789"s + '\0');
  REQUIRE(sw);
  CHECK(sw->plugin == "mysql_native_password");
  CHECK(sw->data == "01234567890123456789");
  CHECK_FALSE(wire::parse_mysql_auth_switch("\x00\x00"s));
}

TEST_CASE("mysql_native_password scramble matches an independent computation") {
  // Reference computed with Python's hashlib: SHA1(pw) XOR SHA1(salt + SHA1(SHA1(pw))).
  CHECK(hex(wire::mysql_native_scramble("secret", "abcdefghijklmnopqrst")) == "8817c50fa779daef010ee7577825b0847df9842e");
  CHECK(wire::mysql_native_scramble("", "abcdefghijklmnopqrst").empty());
}

TEST_CASE("the handshake response carries user, scramble, database and plugin but never the password") {
  auto g = wire::parse_mysql_greeting(mariadb_greeting());
  REQUIRE(g);
  std::string r = wire::mysql_handshake_response(*g, "sync", "secret", "app");
  CHECK(r.find("sync"s + '\0') == 32);  // after caps, max packet, charset and 23 zero bytes
  CHECK(r[37] == '\x14');               // 20-byte auth response
  CHECK(r.substr(38, 20) == wire::mysql_native_scramble("secret", g->scramble));
  CHECK(r.find("app"s + '\0') == 58);
  CHECK(r.find("mysql_native_password") != std::string::npos);
  CHECK(r.find("secret") == std::string::npos);
}

TEST_CASE("a PostgreSQL ErrorResponse for a missing pg_hba.conf entry is parsed") {
  std::string body = "SFATAL\0VFATAL\0C28000\0Mno pg_hba.conf entry for host \"10.231.1.3\", user \"sync\", database \"app\", no encryption\0Fauth.c\0L543\0RClientAuthentication\0\0"s;
  std::string msg = "E"s + "\x00\x00\x00"s + static_cast<char>(body.size() + 4) + body;
  bool malformed = true;
  std::string buffer = msg;
  auto m = wire::take_pg_message(buffer, malformed);
  REQUIRE(m);
  CHECK_FALSE(malformed);
  CHECK(buffer.empty());
  CHECK(m->type == 'E');
  auto e = wire::parse_pg_error(m->body);
  CHECK(e.severity == "FATAL");
  CHECK(e.code == "28000");
  CHECK(e.message.rfind("no pg_hba.conf entry for host", 0) == 0);
}

TEST_CASE("a stream that is not PostgreSQL is flagged as malformed") {
  bool malformed = false;
  std::string buffer = "HTTP/1.1 400 Bad Request\r\n";
  CHECK_FALSE(wire::take_pg_message(buffer, malformed));
  CHECK(malformed);
}

TEST_CASE("the startup message is length-prefixed protocol 3.0 with user and database") {
  std::string s = wire::pg_startup_message("sync", "app");
  CHECK(s.substr(4, 4) == std::string("\x00\x03\x00\x00", 4));
  CHECK(static_cast<std::size_t>(static_cast<unsigned char>(s[3])) == s.size());
  CHECK(s.find("user\0sync\0"s) == 8);
  CHECK(s.find("database\0app\0"s) != std::string::npos);
  CHECK(s.back() == '\0');
}

TEST_CASE("authentication request codes are read from R messages") {
  CHECK(wire::pg_auth_code("\x00\x00\x00\x05\x01\x02\x03\x04"s) == 5);
  CHECK(wire::pg_auth_code("\x00\x00\x00\x0a"s "SCRAM-SHA-256\0\0"s) == 10);
  CHECK(wire::pg_auth_code("\x00"s) == -1);
}

TEST_CASE("the PostgreSQL md5 password matches an independent computation") {
  // Reference computed with Python's hashlib: "md5" + md5(md5(password + user) + salt).
  CHECK(wire::pg_md5_password("pencil", "user", "\x01\x02\x03\x04") == "md54376eb6913b38f9aaff38dc7cf19ca76");
}

TEST_CASE("SCRAM-SHA-256 reproduces the RFC 7677 example exchange") {
  wire::ScramSha256 scram("user", "pencil", "rOprNGfwEbeRWgbNEkqO");
  CHECK(scram.client_first() == "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
  std::string error;
  auto final_message = scram.client_final(
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", error);
  REQUIRE(final_message);
  CHECK(*final_message ==
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  CHECK(scram.verify_server_final("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="));
  CHECK_FALSE(scram.verify_server_final("v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="));
}

TEST_CASE("SCRAM refuses a server nonce that does not extend the client's") {
  wire::ScramSha256 scram("user", "pencil", "clientnonce");
  std::string error;
  CHECK_FALSE(scram.client_final("r=othernonce,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", error));
  CHECK(error.find("nonce") != std::string::npos);
  CHECK_FALSE(scram.client_final("r=clientnonceXYZ,i=4096", error));
}

TEST_CASE("base64 round-trips and rejects bad lengths") {
  CHECK(wire::base64_encode("n,,") == "biws");
  CHECK(wire::base64_decode("biws") == std::optional<std::string>("n,,"));
  CHECK(wire::base64_decode("YQ==") == std::optional<std::string>("a"));
  CHECK_FALSE(wire::base64_decode("abc"));
}
