import ArgumentParser

/// The gateway's command line. Each subcommand lives in its own file and
/// delegates to the Gateway module; this layer only parses and prints.
@main
struct WithingsGatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "withings-gateway",
        abstract: "A small, fast gateway to the Withings health-data API.",
        subcommands: [ServeCommand.self, DemoCommand.self, KeysCommand.self, UsersCommand.self, HealthcheckCommand.self]
    )
}
