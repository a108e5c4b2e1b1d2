#include "test_pki.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>

namespace transport_test {

namespace {

using key_ptr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using cert_ptr = std::unique_ptr<X509, decltype(&X509_free)>;

void require(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test_pki: ") + what);
}

key_ptr new_key() {
  key_ptr key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  require(key != nullptr, "EC key generation");
  return key;
}

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  require(ext != nullptr, "extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

/// A certificate for `key` named `cn`, signed by issuer/issuer_key (self-signed when null).
cert_ptr make_cert(const char* cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key, bool ca, long serial) {
  cert_ptr cert(X509_new(), X509_free);
  X509* x = cert.get();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 7 * 86400L);
  X509_set_pubkey(x, key);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  X509* signer = issuer ? issuer : x;
  X509_set_issuer_name(x, X509_get_subject_name(signer));
  add_extension(x, signer, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  add_extension(x, signer, NID_key_usage, ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  add_extension(x, signer, NID_subject_key_identifier, "hash");
  add_extension(x, signer, NID_authority_key_identifier, "keyid:always");
  if (!ca) add_extension(x, signer, NID_ext_key_usage, "serverAuth,clientAuth");
  require(X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) > 0, "signing");
  return cert;
}

void write_pem(const std::string& path, X509* cert) {
  std::unique_ptr<FILE, decltype(&std::fclose)> f(std::fopen(path.c_str(), "w"), std::fclose);
  require(f && PEM_write_X509(f.get(), cert) == 1, "writing a certificate");
}

void write_pem(const std::string& path, EVP_PKEY* key) {
  std::unique_ptr<FILE, decltype(&std::fclose)> f(std::fopen(path.c_str(), "w"), std::fclose);
  require(f && PEM_write_PrivateKey(f.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
          "writing a key");
}

}  // namespace

test_pki::test_pki() {
  std::string templ = (std::filesystem::temp_directory_path() / "agora-tls-XXXXXX").string();
  require(::mkdtemp(templ.data()) != nullptr, "mkdtemp");
  dir = templ;
  auto path = [&](const char* name) { return dir + "/" + name; };

  long serial = 1;
  auto ca1_key = new_key(), ca2_key = new_key();
  auto ca1 = make_cert("agora test CA 1", ca1_key.get(), nullptr, nullptr, true, serial++);
  auto ca2 = make_cert("agora test CA 2", ca2_key.get(), nullptr, nullptr, true, serial++);
  write_pem(path("ca1.pem"), ca1.get());
  write_pem(path("ca2.pem"), ca2.get());

  auto node = [&](const char* name, X509* ca, EVP_PKEY* ca_key, const char* ca_file) {
    auto key = new_key();
    auto cert = make_cert(name, key.get(), ca, ca_key, false, serial++);
    const std::string base = path(name);
    write_pem(base + ".pem", cert.get());
    write_pem(base + ".key", key.get());
    return agora::cluster::tls_files{base + ".pem", base + ".key", path(ca_file)};
  };
  node_a = node("node-a", ca1.get(), ca1_key.get(), "ca1.pem");
  node_b = node("node-b", ca1.get(), ca1_key.get(), "ca1.pem");
  stranger = node("stranger", ca2.get(), ca2_key.get(), "ca2.pem");
}

test_pki::~test_pki() {
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

}  // namespace transport_test
