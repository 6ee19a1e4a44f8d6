import ArgumentParser
import Gateway
import TokenStore

/// GATEWAY_DATABASE as a flag, shared by `keys` and `users` (GATEWAY_SECRET
/// comes from the environment only, so it never shows in `ps`).
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("database"), help: "sqlite:PATH (default: $GATEWAY_DATABASE or sqlite:gateway.sqlite)")
    var database: String?

    func withStore<T>(_ body: (any ClosableTokenStore) async throws -> T) async throws -> T {
        var overrides: [String: String] = [:]
        if let database { overrides[Variable.database] = database }
        let configuration = loadConfiguration(overrides: overrides, requiring: .secret)
        guard let secret = configuration.secret else { throw ExitCode(78) }
        let store: any ClosableTokenStore
        do {
            store = try GatewayDatabase.open(configuration.database, secret: secret)
        } catch {
            StandardError.write("cannot open \(configuration.database): \(error)")
            throw ExitCode(1)
        }
        do {
            let result = try await body(store)
            await store.shutdown()
            return result
        } catch {
            await store.shutdown()
            throw error
        }
    }
}

func printLines(_ lines: [String]) {
    StandardOutput.write(lines)
}

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage client API keys.",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mint a key; it is printed alone on the last line of stdout, once.")
        @Option(help: "a label for people") var name: String
        @Option(help: "the only Withings user the key may read (omit for a service key)") var user: String?
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let lines = try await database.withStore {
                try await Administration.createKey(store: $0, name: name, userID: user)
            }
            printLines(lines)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (never their secrets).")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            printLines(try await database.withStore { try await Administration.listKeys(store: $0) })
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by its id.")
        @Argument(help: "the key id shown by `keys list`") var keyID: String
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let (lines, found) = try await database.withStore { try await Administration.revokeKey(store: $0, id: keyID) }
            printLines(lines)
            if !found { throw ExitCode(1) }
        }
    }
}

struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users", abstract: "Manage connected users.", subcommands: [List.self, Forget.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List connected users (never their tokens).")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            printLines(try await database.withStore { try await Administration.listUsers(store: $0) })
        }
    }

    struct Forget: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a user's tokens and revoke their keys (a running server drops its cache within GATEWAY_CACHE_TTL).")
        @Argument(help: "the Withings user id") var userID: String
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let (lines, found) = try await database.withStore {
                try await Administration.forgetUser(store: $0, userID: userID)
            }
            printLines(lines)
            if !found { throw ExitCode(1) }
        }
    }
}

struct HealthcheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "healthcheck", abstract: "Exit 0 when the gateway at GATEWAY_LISTEN answers /healthz with 200.")
    @Option(help: "address:port (default: $GATEWAY_LISTEN or 127.0.0.1:8080)") var listen: String?

    func run() async throws {
        var overrides: [String: String] = [:]
        if let listen { overrides[Variable.listen] = listen }
        let configuration = loadConfiguration(overrides: overrides, requiring: [])
        guard HealthProbe.check(configuration.listen) else {
            StandardError.write("unhealthy: no 200 from http://\(configuration.listen)/healthz")
            throw ExitCode(1)
        }
        StandardOutput.write(["ok"])
    }
}
