#include "wire.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

namespace syncpath::probes::wire {

namespace {

std::string digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1)
    throw std::runtime_error("libcrypto digest failed");
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string xor_bytes(std::string_view a, std::string_view b) {
  std::string r(a);
  for (std::size_t i = 0; i < r.size() && i < b.size(); ++i) r[i] = static_cast<char>(r[i] ^ b[i]);
  return r;
}

void put_u32le(std::string& s, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_u32be(std::string& s, std::uint32_t v) {
  for (int i = 3; i >= 0; --i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
std::uint32_t get_le(std::string_view s, std::size_t at, int n) {
  std::uint32_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}
std::uint32_t get_u32be(std::string_view s, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

// Reads a NUL-terminated string at `at`; nullopt when there is no NUL.
std::optional<std::string> cstring(std::string_view s, std::size_t& at) {
  auto nul = s.find('\0', at);
  if (nul == std::string_view::npos) return std::nullopt;
  std::string r(s.substr(at, nul - at));
  at = nul + 1;
  return r;
}

// MySQL capability flags used here.
constexpr std::uint32_t kLongPassword = 0x1;
constexpr std::uint32_t kConnectWithDb = 0x8;
constexpr std::uint32_t kProtocol41 = 0x200;
constexpr std::uint32_t kSecureConnection = 0x8000;
constexpr std::uint32_t kPluginAuth = 0x80000;

}  // namespace

std::string sha1(std::string_view data) { return digest(EVP_sha1(), data); }
std::string sha256(std::string_view data) { return digest(EVP_sha256(), data); }

std::string md5_hex(std::string_view data) {
  static const char* kHex = "0123456789abcdef";
  std::string raw = digest(EVP_md5(), data), hex;
  for (unsigned char c : raw) {
    hex.push_back(kHex[c >> 4]);
    hex.push_back(kHex[c & 15]);
  }
  return hex;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len))
    throw std::runtime_error("libcrypto HMAC failed");
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string pbkdf2_sha256(std::string_view password, std::string_view salt, int iterations) {
  unsigned char out[32];
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                        iterations, EVP_sha256(), sizeof out, out) != 1)
    throw std::runtime_error("libcrypto PBKDF2 failed");
  return std::string(reinterpret_cast<char*>(out), sizeof out);
}

std::string base64_encode(std::string_view data) {
  std::vector<unsigned char> out(4 * ((data.size() + 2) / 3) + 1);
  int n = EVP_EncodeBlock(out.data(), reinterpret_cast<const unsigned char*>(data.data()),
                          static_cast<int>(data.size()));
  return std::string(reinterpret_cast<char*>(out.data()), static_cast<std::size_t>(n));
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::vector<unsigned char> out(3 * (text.size() / 4) + 1);
  int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts padding as zero bytes; drop them.
  std::size_t len = static_cast<std::size_t>(n);
  for (std::size_t i = text.size(); i > 0 && text[i - 1] == '=' && len > 0; --i) --len;
  return std::string(reinterpret_cast<char*>(out.data()), len);
}

std::string random_bytes(std::size_t n) {
  std::string r(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(r.data()), static_cast<int>(n)) != 1)
    throw std::runtime_error("libcrypto RAND_bytes failed");
  return r;
}

// ---- MySQL ----

std::optional<MysqlPacket> take_mysql_packet(std::string& buffer) {
  if (buffer.size() < 4) return std::nullopt;
  std::size_t len = get_le(buffer, 0, 3);
  if (buffer.size() < 4 + len) return std::nullopt;
  MysqlPacket p;
  p.sequence = static_cast<unsigned char>(buffer[3]);
  p.payload = buffer.substr(4, len);
  buffer.erase(0, 4 + len);
  return p;
}

std::string mysql_packet(int sequence, std::string_view payload) {
  std::string s;
  std::uint32_t len = static_cast<std::uint32_t>(payload.size());
  s.push_back(static_cast<char>(len & 0xff));
  s.push_back(static_cast<char>((len >> 8) & 0xff));
  s.push_back(static_cast<char>((len >> 16) & 0xff));
  s.push_back(static_cast<char>(sequence & 0xff));
  s.append(payload);
  return s;
}

std::optional<MysqlGreeting> parse_mysql_greeting(std::string_view p) {
  // Protocol::HandshakeV10: version byte, server version, thread id, scramble part 1,
  // filler, capabilities (low), charset, status, capabilities (high), scramble length,
  // 10 reserved bytes, scramble part 2, plugin name.
  if (p.empty() || p[0] != 10) return std::nullopt;
  MysqlGreeting g;
  g.protocol_version = 10;
  std::size_t at = 1;
  auto version = cstring(p, at);
  if (!version) return std::nullopt;
  g.server_version = *version;
  if (p.size() < at + 4 + 8 + 1 + 2) return std::nullopt;
  g.connection_id = get_le(p, at, 4);
  at += 4;
  g.scramble.assign(p.substr(at, 8));
  at += 8 + 1;
  g.capabilities = get_le(p, at, 2);
  at += 2;
  if (p.size() < at + 1 + 2 + 2 + 1 + 10) return g;  // old servers stop here
  at += 1 + 2;
  g.capabilities |= get_le(p, at, 2) << 16;
  at += 2;
  int scramble_len = static_cast<unsigned char>(p[at]);
  at += 1 + 10;
  if (g.capabilities & kSecureConnection) {
    std::size_t part2 = static_cast<std::size_t>(std::max(13, scramble_len - 8));
    if (p.size() < at + part2) return std::nullopt;
    std::string rest(p.substr(at, part2));
    while (!rest.empty() && rest.back() == '\0') rest.pop_back();
    g.scramble += rest;
    at += part2;
  }
  if (g.capabilities & kPluginAuth) {
    auto plugin = cstring(p, at);
    g.auth_plugin = plugin ? *plugin : std::string(p.substr(at));
  }
  return g;
}

std::optional<MysqlError> parse_mysql_error(std::string_view p) {
  if (p.size() < 3 || static_cast<unsigned char>(p[0]) != 0xff) return std::nullopt;
  MysqlError e;
  e.code = static_cast<int>(get_le(p, 1, 2));
  std::size_t at = 3;
  if (p.size() >= at + 6 && p[at] == '#') {
    e.sql_state.assign(p.substr(at + 1, 5));
    at += 6;
  }
  e.message.assign(p.substr(at));
  return e;
}

std::optional<MysqlAuthSwitch> parse_mysql_auth_switch(std::string_view p) {
  if (p.empty() || static_cast<unsigned char>(p[0]) != 0xfe) return std::nullopt;
  MysqlAuthSwitch s;
  std::size_t at = 1;
  auto plugin = cstring(p, at);
  if (!plugin) return std::nullopt;
  s.plugin = *plugin;
  s.data.assign(p.substr(at));
  while (!s.data.empty() && s.data.back() == '\0') s.data.pop_back();
  return s;
}

std::string mysql_native_scramble(std::string_view password, std::string_view scramble) {
  if (password.empty()) return {};
  std::string stage1 = sha1(password);
  std::string stage2 = sha1(stage1);
  std::string mix = sha1(std::string(scramble.substr(0, 20)) + stage2);
  return xor_bytes(stage1, mix);
}

std::string mysql_handshake_response(const MysqlGreeting& greeting, std::string_view user,
                                     std::string_view password, std::string_view database) {
  std::uint32_t caps = kLongPassword | kProtocol41 | kSecureConnection | kPluginAuth;
  if (!database.empty()) caps |= kConnectWithDb;
  caps &= greeting.capabilities | kProtocol41;
  std::string s;
  put_u32le(s, caps);
  put_u32le(s, 16u * 1024 * 1024);
  s.push_back(static_cast<char>(45));  // utf8mb4_general_ci
  s.append(23, '\0');
  s.append(user);
  s.push_back('\0');
  std::string auth = mysql_native_scramble(password, greeting.scramble);
  s.push_back(static_cast<char>(auth.size()));
  s.append(auth);
  if (caps & kConnectWithDb) {
    s.append(database);
    s.push_back('\0');
  }
  if (caps & kPluginAuth) {
    s.append("mysql_native_password");
    s.push_back('\0');
  }
  return s;
}

// ---- PostgreSQL ----

std::string pg_startup_message(std::string_view user, std::string_view database) {
  std::string body;
  put_u32be(body, 196608);  // protocol 3.0
  body.append("user");
  body.push_back('\0');
  body.append(user);
  body.push_back('\0');
  if (!database.empty()) {
    body.append("database");
    body.push_back('\0');
    body.append(database);
    body.push_back('\0');
  }
  body.append("application_name");
  body.push_back('\0');
  body.append("syncpath-probe");
  body.push_back('\0');
  body.push_back('\0');
  std::string s;
  put_u32be(s, static_cast<std::uint32_t>(body.size() + 4));
  return s + body;
}

std::optional<PgMessage> take_pg_message(std::string& buffer, bool& malformed) {
  malformed = false;
  if (buffer.size() < 5) return std::nullopt;
  std::uint32_t len = get_u32be(buffer, 1);
  if (len < 4 || len > (1u << 24)) {
    malformed = true;
    return std::nullopt;
  }
  if (buffer.size() < 1 + static_cast<std::size_t>(len)) return std::nullopt;
  PgMessage m;
  m.type = buffer[0];
  m.body = buffer.substr(5, len - 4);
  buffer.erase(0, 1 + len);
  return m;
}

PgError parse_pg_error(std::string_view body) {
  PgError e;
  std::size_t at = 0;
  while (at < body.size() && body[at] != '\0') {
    char field = body[at++];
    auto value = cstring(body, at);
    if (!value) break;
    if (field == 'S' || (field == 'V' && e.severity.empty())) e.severity = *value;
    else if (field == 'C') e.code = *value;
    else if (field == 'M') e.message = *value;
  }
  return e;
}

int pg_auth_code(std::string_view body) {
  if (body.size() < 4) return -1;
  return static_cast<int>(get_u32be(body, 0));
}

namespace {
std::string pg_message(char type, std::string_view body) {
  std::string s(1, type);
  put_u32be(s, static_cast<std::uint32_t>(body.size() + 4));
  s.append(body);
  return s;
}
}  // namespace

std::string pg_password_message(std::string_view text) {
  std::string body(text);
  body.push_back('\0');
  return pg_message('p', body);
}

std::string pg_md5_password(std::string_view password, std::string_view user, std::string_view salt) {
  std::string inner = md5_hex(std::string(password) + std::string(user));
  return "md5" + md5_hex(inner + std::string(salt));
}

std::string pg_sasl_initial_response(std::string_view mechanism, std::string_view data) {
  std::string body(mechanism);
  body.push_back('\0');
  put_u32be(body, static_cast<std::uint32_t>(data.size()));
  body.append(data);
  return pg_message('p', body);
}

std::string pg_sasl_response(std::string_view data) { return pg_message('p', data); }

std::string pg_terminate() { return pg_message('X', {}); }

// ---- SCRAM-SHA-256 ----

namespace {
// Value of attribute `key` ("r", "s", "i", "v", "e") in a comma-separated SCRAM message.
std::optional<std::string> scram_attr(std::string_view msg, char key) {
  std::size_t at = 0;
  while (at <= msg.size()) {
    auto comma = msg.find(',', at);
    std::string_view part = msg.substr(at, comma == std::string_view::npos ? std::string_view::npos : comma - at);
    if (part.size() >= 2 && part[0] == key && part[1] == '=') return std::string(part.substr(2));
    if (comma == std::string_view::npos) break;
    at = comma + 1;
  }
  return std::nullopt;
}

std::string scram_name(std::string_view user) {  // RFC 5802: ',' and '=' are escaped
  std::string r;
  for (char c : user) {
    if (c == ',') r += "=2C";
    else if (c == '=') r += "=3D";
    else r.push_back(c);
  }
  return r;
}
}  // namespace

ScramSha256::ScramSha256(std::string user, std::string password, std::string client_nonce)
    : user_(std::move(user)), password_(std::move(password)), nonce_(std::move(client_nonce)) {}

std::string ScramSha256::client_first() const { return "n,,n=" + scram_name(user_) + ",r=" + nonce_; }

std::optional<std::string> ScramSha256::client_final(std::string_view server_first, std::string& error) {
  auto nonce = scram_attr(server_first, 'r');
  auto salt64 = scram_attr(server_first, 's');
  auto iter = scram_attr(server_first, 'i');
  if (!nonce || !salt64 || !iter) {
    error = "server-first message lacks r, s or i";
    return std::nullopt;
  }
  if (nonce->compare(0, nonce_.size(), nonce_) != 0) {
    error = "server nonce does not extend the client nonce";
    return std::nullopt;
  }
  auto salt = base64_decode(*salt64);
  int iterations = 0;
  for (char c : *iter) {
    if (c < '0' || c > '9' || iterations > 10'000'000) {
      error = "bad iteration count";
      return std::nullopt;
    }
    iterations = iterations * 10 + (c - '0');
  }
  if (!salt || iterations <= 0) {
    error = "bad salt or iteration count";
    return std::nullopt;
  }
  salted_password_ = pbkdf2_sha256(password_, *salt, iterations);
  std::string client_key = hmac_sha256(salted_password_, "Client Key");
  std::string stored_key = sha256(client_key);
  std::string without_proof = "c=biws,r=" + *nonce;  // biws = base64("n,,")
  std::string first_bare = client_first().substr(3);
  auth_message_ = first_bare + "," + std::string(server_first) + "," + without_proof;
  std::string signature = hmac_sha256(stored_key, auth_message_);
  return without_proof + ",p=" + base64_encode(xor_bytes(client_key, signature));
}

bool ScramSha256::verify_server_final(std::string_view server_final) const {
  auto v = scram_attr(server_final, 'v');
  if (!v || salted_password_.empty()) return false;
  std::string server_key = hmac_sha256(salted_password_, "Server Key");
  return *v == base64_encode(hmac_sha256(server_key, auth_message_));
}

}  // namespace syncpath::probes::wire
