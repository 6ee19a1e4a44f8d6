import Gateway
import Synchronization
import Testing

/// Holds the leader's operation until opened, so followers surely join it.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let open = state.withLock { state -> Bool in
                if !state.open { state.waiters.append(continuation) }
                return state.open
            }
            if open { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

final class CallCounter: Sendable {
    private let value = Mutex(0)
    @discardableResult func increment() -> Int { value.withLock { $0 += 1; return $0 } }
    var count: Int { value.withLock { $0 } }
}

struct SingleFlightTests {
    @Test func identicalConcurrentCallsRunOnce() async {
        let flight = SingleFlight<String, Int>()
        let calls = CallCounter()
        let gate = Gate()
        let results = await withTaskGroup(of: (Int, Bool).self) { group in
            group.addTask {
                let result = await flight.run("k") {
                    calls.increment()
                    await gate.wait()
                    return 7
                }
                return (result.value, result.shared)
            }
            // Bounded waits: the leader in flight, then all followers queued.
            for _ in 0..<100_000 where flight.inFlight == 0 { await Task.yield() }
            for _ in 0..<20 {
                group.addTask {
                    let result = await flight.run("k") {
                        calls.increment()
                        return -1
                    }
                    return (result.value, result.shared)
                }
            }
            for _ in 0..<100_000 where flight.followers(of: "k") < 20 { await Task.yield() }
            gate.open()
            var all: [(Int, Bool)] = []
            for await result in group { all.append(result) }
            return all
        }
        #expect(results.count == 21)
        #expect(calls.count == 1)
        #expect(results.allSatisfy { $0.0 == 7 })
        #expect(results.filter { !$0.1 }.count == 1)
        #expect(flight.inFlight == 0)
    }

    @Test func leaderCancellationDoesNotReachTheOperation() async {
        let flight = SingleFlight<String, Bool>()
        let gate = Gate()
        let leader = Task {
            await flight.run("k") {
                await gate.wait()
                return Task.isCancelled
            }
        }
        for _ in 0..<100_000 where flight.inFlight == 0 { await Task.yield() }
        leader.cancel()
        let follower = Task { await flight.run("k") { true } }
        for _ in 0..<100_000 where flight.followers(of: "k") < 1 { await Task.yield() }
        gate.open()
        let followed = await follower.value
        #expect(followed.shared)
        #expect(followed.value == false)           // the operation ran uncancelled
        #expect(await leader.value.value == false)
    }

    @Test func differentKeysDoNotWaitForEachOther() async {
        let flight = SingleFlight<String, String>()
        let a = await flight.run("a") { "A" }
        let b = await flight.run("b") { "B" }
        #expect(a.value == "A" && !a.shared)
        #expect(b.value == "B" && !b.shared)
    }

    @Test func laterCallsAfterCompletionRunAgain() async {
        let flight = SingleFlight<Int, Int>()
        let calls = CallCounter()
        for _ in 0..<3 {
            _ = await flight.run(1) { calls.increment() }
        }
        #expect(calls.count == 3)
    }
}
