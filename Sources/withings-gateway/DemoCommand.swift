import ArgumentParser
import Gateway
import Logging
import Reactor

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the gateway with a built-in Withings simulator and connected sample users; no credentials needed.")
    @Option(help: "address:port for the gateway") var listen: String = "127.0.0.1:8080"
    @Option(help: "number of simulated users to connect") var users: Int = 3
    @Option(help: "sqlite:PATH to keep state across runs (default: a fresh temporary database)") var database: String?
    @Option(help: "trace, debug, info, notice, warning, error or critical") var logLevel: String = "notice"
    @Option(help: .init(Variable.help(Variable.corsOrigins))) var corsOrigins: String?
    @Option(help: .init(Variable.help(Variable.allowedRedirects))) var allowedRedirects: String?

    func run() async throws {
        var overrides = [Variable.listen: listen, Variable.logLevel: logLevel]
        if let database { overrides[Variable.database] = database }
        if let corsOrigins { overrides[Variable.corsOrigins] = corsOrigins }
        if let allowedRedirects { overrides[Variable.allowedRedirects] = allowedRedirects }
        let level = loadConfiguration(overrides: overrides, requiring: []).logLevel
        let logger = bootstrapLogging(level: level)
        try TerminationSignal.install()
        let demo: Demo
        do {
            demo = try await Demo.start(overrides: overrides,
                                        users: max(0, min(users, 20)), logger: logger)
        } catch {
            StandardError.write("cannot start the demo: \(error)")
            throw ExitCode(1)
        }
        StandardOutput.write(demo.banner)
        _ = await TerminationSignal.wait()
        await demo.shutdown()
    }
}
