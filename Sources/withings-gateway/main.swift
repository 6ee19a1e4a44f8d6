import ArgumentParser

/// The gateway's command line; subcommands are added as the product grows.
@main
struct WithingsGatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "withings-gateway",
        abstract: "A small, fast gateway to the Withings health-data API."
    )
}
