#pragma once
// Certificates for one test, made with the `openssl` command in a directory
// of the test's: CAs, and certificates signed by them for a name (its DNS
// subject alternative name and CN), valid for some days from now or expired.
// No Catch2 here (as redis_server.hpp): a failing `openssl` throws
// std::runtime_error with what it printed.

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

extern char** environ;

namespace coropipe::test {

class test_pki {
public:
    explicit test_pki(std::filesystem::path dir) : dir_(std::move(dir)) {}

    /// FILE.crt, FILE.key in the directory.
    std::string crt(const std::string& name) const { return (dir_ / (name + ".crt")).string(); }
    std::string key(const std::string& name) const { return (dir_ / (name + ".key")).string(); }

    /// A self-signed CA `name`.
    void make_ca(const std::string& name) const {
        openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                 key(name), "-out", crt(name), "-subj", "/CN=" + name, "-days", "30"});
    }

    /// A certificate `name` for `cn` (also its subject alternative name:
    /// `san`, else DNS:cn) signed by `ca`, valid `days` from now (negative:
    /// expired).
    void issue(const std::string& name, const std::string& ca, const std::string& cn, int days,
               const std::string& san = "") const {
        const std::string csr = (dir_ / (name + ".csr")).string();
        openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key(name),
                 "-out", csr, "-subj", "/CN=" + cn, "-addext",
                 "subjectAltName=" + (san.empty() ? "DNS:" + cn : san)});
        openssl({"x509", "-req", "-in", csr, "-CA", crt(ca), "-CAkey", key(ca), "-CAcreateserial", "-out", crt(name),
                 "-days", std::to_string(days), "-copy_extensions", "copy"});
    }

private:
    /// Runs `openssl ARGS...`, its output into the directory's openssl.log.
    void openssl(std::vector<std::string> args) const {
        args.insert(args.begin(), "openssl");
        std::vector<char*> argv;
        for (std::string& a : args) {
            argv.push_back(a.data());
        }
        argv.push_back(nullptr);
        const std::string log = (dir_ / "openssl.log").string();
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawn_file_actions_adddup2(&actions, 1, 2);
        pid_t pid = -1;
        const int spawned = ::posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        if (spawned != 0) {
            throw std::system_error(spawned, std::system_category(), "starting openssl");
        }
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            std::ifstream in(log);
            throw std::runtime_error("openssl " + args[1] + " failed:\n" +
                                     std::string(std::istreambuf_iterator<char>(in), {}));
        }
    }

    std::filesystem::path dir_;
};

} // namespace coropipe::test
