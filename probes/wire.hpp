// Wire formats spoken by the handshake checks, as pure functions over byte strings so that
// they can be tested without a network: MySQL/MariaDB packets and mysql_native_password,
// PostgreSQL messages, md5 and SCRAM-SHA-256 (RFC 5802 / RFC 7677), and the crypto they need.
// Byte strings are std::string (any byte values).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace syncpath::probes::wire {

// ---- crypto helpers (libcrypto inside the .cpp) ----
std::string sha1(std::string_view data);
std::string sha256(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);
std::string pbkdf2_sha256(std::string_view password, std::string_view salt, int iterations);
std::string md5_hex(std::string_view data);
std::string base64_encode(std::string_view data);
std::optional<std::string> base64_decode(std::string_view text);
std::string random_bytes(std::size_t n);

// ---- MySQL / MariaDB ----
struct MysqlPacket {
  int sequence = 0;
  std::string payload;
};
// Takes one whole packet off the front of `buffer`; nullopt while more bytes are needed.
std::optional<MysqlPacket> take_mysql_packet(std::string& buffer);
std::string mysql_packet(int sequence, std::string_view payload);

struct MysqlGreeting {
  int protocol_version = 0;
  std::string server_version;
  std::uint32_t connection_id = 0;
  std::uint32_t capabilities = 0;
  std::string scramble;     // the 20-byte salt (parts 1 and 2, trailing NUL dropped)
  std::string auth_plugin;  // empty on servers without CLIENT_PLUGIN_AUTH
};
struct MysqlError {
  int code = 0;
  std::string sql_state;  // empty when the packet has no '#' marker (errors before the greeting)
  std::string message;
};
struct MysqlAuthSwitch {
  std::string plugin;
  std::string data;
};
// Each returns nullopt when the payload is not that kind of packet or is malformed.
std::optional<MysqlGreeting> parse_mysql_greeting(std::string_view payload);
std::optional<MysqlError> parse_mysql_error(std::string_view payload);
std::optional<MysqlAuthSwitch> parse_mysql_auth_switch(std::string_view payload);
inline bool is_mysql_ok(std::string_view payload) { return !payload.empty() && payload[0] == '\x00'; }

// SHA1(password) XOR SHA1(scramble + SHA1(SHA1(password))); empty for an empty password.
std::string mysql_native_scramble(std::string_view password, std::string_view scramble);
// The HandshakeResponse41 payload asking for mysql_native_password.
std::string mysql_handshake_response(const MysqlGreeting& greeting, std::string_view user,
                                     std::string_view password, std::string_view database);

// ---- PostgreSQL ----
std::string pg_startup_message(std::string_view user, std::string_view database);
struct PgMessage {
  char type = 0;
  std::string body;  // without the type byte and the length
};
// Takes one whole message off the front of `buffer`; nullopt while more bytes are needed.
// Sets `malformed` on a length that cannot be right (the peer is not PostgreSQL).
std::optional<PgMessage> take_pg_message(std::string& buffer, bool& malformed);
struct PgError {
  std::string severity, code, message;
};
PgError parse_pg_error(std::string_view body);  // an 'E' message's body
// Authentication request code of an 'R' message (0 ok, 3 cleartext, 5 md5, 10 SASL, 11 SASL
// continue, 12 SASL final), or -1.
int pg_auth_code(std::string_view body);
std::string pg_password_message(std::string_view text);  // 'p' with a NUL-terminated string
std::string pg_md5_password(std::string_view password, std::string_view user, std::string_view salt);
std::string pg_sasl_initial_response(std::string_view mechanism, std::string_view data);
std::string pg_sasl_response(std::string_view data);
std::string pg_terminate();

// SCRAM-SHA-256 client (RFC 5802 with SHA-256, RFC 7677). No channel binding ("n,,").
class ScramSha256 {
 public:
  ScramSha256(std::string user, std::string password, std::string client_nonce);
  std::string client_first() const;  // "n,,n=USER,r=NONCE"
  // The client-final message for this server-first message, or nullopt with `error` set.
  std::optional<std::string> client_final(std::string_view server_first, std::string& error);
  // True when the server-final message carries the signature only a server knowing the
  // password could compute.
  bool verify_server_final(std::string_view server_final) const;

 private:
  std::string user_, password_, nonce_, auth_message_, salted_password_;
};

}  // namespace syncpath::probes::wire
