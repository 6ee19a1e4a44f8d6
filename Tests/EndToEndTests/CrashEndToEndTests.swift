import Foundation
import JSON
import Testing

/// Issue 4's crash test: `serve` is SIGKILLed again and again at random
/// moments while every user's tokens are being rotated, and restarted on
/// the same database. Withings rotates refresh tokens, so a gateway that
/// used a new access token before committing the new pair, or that lost a
/// committed pair, would strand a user; afterwards every user must still
/// read data without authorizing again, and the simulator must never have
/// seen a dead refresh token.
///
/// Access tokens live 2 s and are revoked before every round, so each
/// round's first request per user refreshes (the simulator's same-arguments
/// rule and rate limit are off). An iteration is one round killed at a
/// random moment; some starts are also killed before the gateway listens.
/// Kill delays come from a seeded generator; set E2E_CRASH_SEED to replay a run.
@Suite(.serialized, .gatewayStack(StackOptions(
    sim: ["users": "4", "token-ttl": "2"],
    gateway: ["GATEWAY_CACHE_TTL": "0", "WITHINGS_TIMEOUT": "2", "GATEWAY_SHUTDOWN_TIMEOUT": "2"],
    connectedUsers: 4)))
struct CrashEndToEndTests {
    static let requiredIterations = 200
    /// Hard bound on the loop; the run normally takes well under half of it.
    static let timeBudget: TimeInterval = 360
    /// Kill delays are drawn from 0 to 1.5 times the duration of a whole round measured
    /// first (refreshes, commits, getmeas), so kills land before, during and after refreshes
    /// however fast or loaded the machine is.
    /// (Capped, so one slow calibration on a loaded machine cannot stretch the loop past its bound.)
    static func maxKillDelayMs(roundMs: UInt64) -> UInt64 { min(1000, max(50, roundMs * 3 / 2)) }

    @Test func sigkillDuringRefreshesLosesNoUser() async throws {
        let stack = try GatewayStack.shared()
        let seed = ProcessInfo.processInfo.environment["E2E_CRASH_SEED"].flatMap(UInt64.init)
            ?? UInt64.random(in: 1...UInt64.max)
        print("crash test seed: \(seed) (E2E_CRASH_SEED=\(seed) replays it)")
        var random = SplitMix64(seed: seed)
        let users = stack.connected
        // A few days of data: the rounds' time goes to refreshes and commits, not to translating pages.
        let since = Int64(Date().timeIntervalSince1970) - 5 * 86_400
        let queries = ["types=weight&start=\(since)", "types=heart_pulse,spo2&start=\(since)"]
        let urls = users.flatMap { user in queries.map { stack.base + "/users/\(user.id)/measures?" + $0 } }
        // One curl per round, every request on its own connection (the service key reads every user).
        var roundArguments = ["-s", "--parallel", "--parallel-immediate", "--parallel-max", String(urls.count),
                              "--max-time", "10", "-w", "%{http_code}\\n",
                              "-H", "Authorization: Bearer \(stack.serviceKey)"]
        for url in urls { roundArguments += ["-o", "/dev/null", url] }

        stack.gateway.stop()  // the loop starts its own

        // Calibration: one round left to finish, which must answer everything.
        let spawned = Date()
        let calibrationGateway = try stack.spawnGateway()
        try calibrationGateway.waitFor("[Gateway] listening", timeout: 30)
        let startupMs = UInt64(Date().timeIntervalSince(spawned) * 1000)
        try stack.simControl("/_sim/invalidate-access-tokens")
        let calibrationStart = Date()
        let calibration = try RoundClient(arguments: roundArguments).finish()
        let roundMs = UInt64(Date().timeIntervalSince(calibrationStart) * 1000)
        calibrationGateway.sigkill()
        #expect(calibration == Array(repeating: 200, count: urls.count), "calibration round: \(calibration)")
        let maxKillDelay = Self.maxKillDelayMs(roundMs: roundMs)
        print("crash test: a round takes \(roundMs) ms, a start \(startupMs) ms; kills at 0...\(maxKillDelay) ms"
              + " into a round; about one start in 8 is also killed during start-up (database open, migrations)")

        let started = Date()
        var iterations = 0
        var answered = 0
        var statusCounts: [Int: Int] = [:]
        var startupKills = 0
        while iterations < Self.requiredIterations && Date().timeIntervalSince(started) < Self.timeBudget {
            let gateway = try stack.spawnGateway()
            if random.next() % 8 == 0 {
                try await Task.sleep(for: .milliseconds(random.next() % (startupMs + 1)))
                gateway.sigkill()
                startupKills += 1  // extra: not counted as a refresh round
                continue
            }
            try gateway.waitFor("[Gateway] listening", timeout: 30)
            try stack.simControl("/_sim/invalidate-access-tokens")
            let round = try RoundClient(arguments: roundArguments)
            let delay = random.next() % (maxKillDelay + 1)
            try await Task.sleep(for: .milliseconds(delay))
            gateway.sigkill()
            for status in round.finish() {
                statusCounts[status, default: 0] += 1
                if status == 200 { answered += 1 }
            }
            iterations += 1
            // A 409 means a user was stranded: stop at once, with the evidence.
            if statusCounts[409] != nil {
                Issue.record("409 in round \(iterations) (seed \(seed)), statuses so far: \(statusCounts)")
                break
            }
        }
        let elapsed = Date().timeIntervalSince(started)
        #expect(iterations >= Self.requiredIterations,
                "only \(iterations) iterations in \(Int(elapsed)) s (bound \(Int(Self.timeBudget)) s)")

        // A last gateway, left running (the suite stops it with SIGTERM): every user reads data.
        try stack.restartGateway()
        var lost: [String] = []
        for user in users {
            let status = try Self.settledStatus(stack: stack, user: user)
            if status != 200 { lost.append("\(user.id): \(status)") }
        }
        let counters = try stack.simCounters()
        let dead = counters["dead_refresh_tokens_presented"]?.int ?? -1
        let refreshes = counters["refreshes"]?.int ?? 0
        print("crash test: \(iterations) iterations, users lost = \(lost.count)"
              + " (seed \(seed), \(Int(elapsed)) s, \(startupKills) kills during start-up, \(refreshes) refreshes,"
              + " \(answered) answers before kills,"
              + " statuses \(statusCounts.sorted { $0.key < $1.key }), dead refresh tokens presented \(dead))")
        #expect(lost.isEmpty, "users that cannot read data: \(lost)")
        let deadByUser = String(describing: counters["dead_refresh_tokens_by_user"])
        #expect(dead == 0, "dead refresh tokens by user: \(deadByUser)")
        #expect(refreshes >= Self.requiredIterations / 4, "too few refreshes for a crash test: \(refreshes)")
        let states = try stack.cli(["users", "list"]).stdout
        for user in users {
            #expect(states.contains("\(user.id)\tactive"), "\(user.id) not active:\n\(states)")
        }

        // No token the simulator issued is in the database file (or its write-ahead log).
        let tokens = stack.tap.issuedTokens
        #expect(tokens.count >= 2 * refreshes, "the tap saw \(tokens.count) tokens for \(refreshes) refreshes")
        let scanner = SecretScanner(tokens.map { ("Withings token", $0) })
        for file in stack.databaseFiles {
            let bytes = try Data(contentsOf: file)
            #expect(scanner.kinds(foundIn: bytes).isEmpty, "a token in \(file.lastPathComponent)")
        }
        let files = stack.databaseFiles.map(\.lastPathComponent)
        print("crash test: \(tokens.count) issued tokens searched in \(files): none found")
    }

    /// A user's answer once the dust settles: a refresh lease held by a
    /// killed gateway makes others wait (then answer 502) until it expires,
    /// which is not a loss; a 409 is, and ends the wait at once.
    static func settledStatus(stack: GatewayStack, user: ConnectedUser) throws -> Int {
        let end = Date().addingTimeInterval(30)
        var status = 0
        repeat {
            status = try stack.request("/users/\(user.id)/measures?types=weight", key: user.key, timeout: 30).status
            if status == 200 || status == 409 { return status }
            usleep(200_000)
        } while Date() < end
        return status
    }
}

/// One round's requests in a background curl, so the gateway can be killed mid-flight.
private struct RoundClient {
    let process = Process()
    let output = Pipe()

    init(arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// Waits for curl (bounded by its --max-time) and returns the statuses (000 = no answer).
    func finish() -> [Int] {
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { Int($0) }
    }
}

/// A small seeded generator, so a failing run can be replayed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
