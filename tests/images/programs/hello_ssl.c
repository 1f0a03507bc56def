/* hello_ssl: the image's glibc and OpenSSL, used the way a program shipped on the image would.
 *
 *   hello_ssl                 glibc and OpenSSL versions, user and working directory
 *   hello_ssl certs FILE      how many certificates the image's libcrypto loads from FILE
 *   hello_ssl tls CERT KEY    a TLS server on 127.0.0.1 (a child process, with CERT and KEY)
 *                             and a client that verifies it with OpenSSL's default paths, which
 *                             honour SSL_CERT_FILE; prints "verify ok: ..." or exits 1 with
 *                             "verify failed: <OpenSSL's reason>"
 *
 * libssl.so.3 is opened with dlopen() and its functions declared here, so the program builds
 * for every architecture without OpenSSL headers or import libraries; it links only glibc. */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <gnu/libc-version.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define SSL_VERIFY_PEER 1
#define SSL_FILETYPE_PEM 1
#define X509_V_OK 0

static void *libssl;

static void *sym(const char *name) {
  void *fn = dlsym(libssl, name);
  if (fn == NULL) {
    fprintf(stderr, "libssl.so.3 has no %s: %s\n", name, dlerror());
    exit(3);
  }
  return fn;
}

/* Calls an OpenSSL function by name: F(return type, name, (parameter types), arguments...). */
#define F(ret, name, params, ...) ((ret(*) params)sym(#name))(__VA_ARGS__)

static void print_openssl_error(const char *what) {
  char text[256];
  unsigned long code = F(unsigned long, ERR_get_error, (void));
  F(void, ERR_error_string_n, (unsigned long, char *, size_t), code, text, sizeof text);
  fprintf(stderr, "%s: %s\n", what, code ? text : "no OpenSSL error");
}

static int count_certificates(const char *file) {
  void *store = F(void *, X509_STORE_new, (void));
  if (!F(int, X509_STORE_load_file, (void *, const char *), store, file)) {
    print_openssl_error(file);
    return 1;
  }
  void *objects = F(void *, X509_STORE_get0_objects, (void *), store);
  printf("%d certificates in %s\n", F(int, OPENSSL_sk_num, (void *), objects), file);
  return 0;
}

static void serve(int listener, const char *cert, const char *key) {
  void *ctx = F(void *, SSL_CTX_new, (void *), F(void *, TLS_server_method, (void)));
  if (!F(int, SSL_CTX_use_certificate_chain_file, (void *, const char *), ctx, cert) ||
      !F(int, SSL_CTX_use_PrivateKey_file, (void *, const char *, int), ctx, key,
         SSL_FILETYPE_PEM)) {
    print_openssl_error("server certificate");
    _exit(2);
  }
  int conn = accept(listener, NULL, NULL);
  void *ssl = F(void *, SSL_new, (void *), ctx);
  F(int, SSL_set_fd, (void *, int), ssl, conn);
  if (F(int, SSL_accept, (void *), ssl) == 1) {
    const char message[] = "hello over TLS";
    F(int, SSL_write, (void *, const void *, int), ssl, message, (int)sizeof message - 1);
    F(int, SSL_shutdown, (void *), ssl);
  }
  _exit(0);
}

static int tls_selftest(const char *cert, const char *key) {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof addr;
  if (bind(listener, (struct sockaddr *)&addr, sizeof addr) || listen(listener, 1) ||
      getsockname(listener, (struct sockaddr *)&addr, &len)) {
    perror("listen on 127.0.0.1");
    return 2;
  }
  alarm(20); /* neither side may hang the test */
  pid_t server = fork();
  if (server == 0) serve(listener, cert, key);
  close(listener);

  void *ctx = F(void *, SSL_CTX_new, (void *), F(void *, TLS_client_method, (void)));
  F(int, SSL_CTX_set_default_verify_paths, (void *), ctx);
  F(void, SSL_CTX_set_verify, (void *, int, void *), ctx, SSL_VERIFY_PEER, NULL);
  int sock = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(sock, (struct sockaddr *)&addr, sizeof addr)) {
    perror("connect to 127.0.0.1");
    return 2;
  }
  void *ssl = F(void *, SSL_new, (void *), ctx);
  F(int, SSL_set_fd, (void *, int), ssl, sock);
  F(int, SSL_set1_host, (void *, const char *), ssl, "localhost");
  int status = 1;
  if (F(int, SSL_connect, (void *), ssl) == 1) {
    char buffer[64] = {0};
    int n = F(int, SSL_read, (void *, void *, int), ssl, buffer, (int)sizeof buffer - 1);
    printf("verify ok: %s\n", n > 0 ? buffer : "(no data)");
    status = 0;
  } else {
    long result = F(long, SSL_get_verify_result, (void *), ssl);
    printf("verify failed: %s\n",
           result != X509_V_OK ? F(const char *, X509_verify_cert_error_string, (long), result)
                               : "handshake error");
  }
  close(sock);
  waitpid(server, NULL, 0);
  return status;
}

int main(int argc, char **argv) {
  libssl = dlopen("libssl.so.3", RTLD_NOW | RTLD_GLOBAL);
  if (libssl == NULL) {
    fprintf(stderr, "dlopen libssl.so.3: %s\n", dlerror());
    return 3;
  }
  if (argc == 3 && strcmp(argv[1], "certs") == 0) return count_certificates(argv[2]);
  if (argc == 4 && strcmp(argv[1], "tls") == 0) return tls_selftest(argv[2], argv[3]);
  if (argc != 1) {
    fprintf(stderr, "usage: hello_ssl [certs FILE | tls CERT KEY]\n");
    return 2;
  }
  char cwd[4096];
  printf("glibc %s\n", gnu_get_libc_version());
  printf("%s\n", F(const char *, OpenSSL_version, (int), 0));
  printf("uid=%d gid=%d cwd=%s\n", (int)getuid(), (int)getgid(), getcwd(cwd, sizeof cwd));
  return 0;
}
