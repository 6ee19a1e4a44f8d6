import ArgumentParser

/// The standalone Withings simulator.
@main
struct WithingsSimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "withings-sim",
        abstract: "A faithful offline simulator of the Withings API."
    )
}
