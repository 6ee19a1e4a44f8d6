import Gateway
import Testing

struct UpstreamBudgetTests {
    static let second: UInt64 = 1_000_000_000

    @Test func grantsTheLimitThenQueuesOrDenies() {
        var budget = RollingWindowBudget(limit: 3)
        let t0 = 100 * Self.second
        for _ in 0..<3 { #expect(budget.reserve(now: t0, maxWait: .zero) == .now) }
        #expect(budget.reserve(now: t0 + Self.second, maxWait: .seconds(2)) == .denied(retryAfterSeconds: 59))
        // With enough patience the fourth call is scheduled when the first leaves the window.
        #expect(budget.reserve(now: t0 + 58 * Self.second, maxWait: .seconds(2)) == .after(nanoseconds: 2 * Self.second))
        #expect(budget.reserve(now: t0 + 60 * Self.second, maxWait: .zero) == .now)
    }

    @Test func neverMoreThanTheLimitInAnyWindow() {
        // Drive a steady overload and check every 60 s window of granted start times.
        var budget = RollingWindowBudget(limit: 10)
        var starts: [UInt64] = []
        var now: UInt64 = 0
        for _ in 0..<2000 {
            now += Self.second / 7
            switch budget.reserve(now: now, maxWait: .seconds(3)) {
            case .now: starts.append(now)
            case .after(let wait): starts.append(now + wait)
            case .denied(let seconds): #expect(seconds >= 1 && seconds <= 63)  // window + maxWait at most
            }
        }
        starts.sort()
        #expect(starts.count >= 45)  // ~285 s of overload at 10 per minute
        for (index, start) in starts.enumerated() where index + 10 < starts.count {
            #expect(starts[index + 10] >= start + 60 * Self.second)
        }
    }

    @Test func retryAfterRoundsUp() {
        var budget = RollingWindowBudget(limit: 1)
        #expect(budget.reserve(now: 0, maxWait: .zero) == .now)
        #expect(budget.reserve(now: Self.second / 2, maxWait: .zero) == .denied(retryAfterSeconds: 60))
        #expect(budget.reserve(now: 59 * Self.second + 1, maxWait: .zero) == .denied(retryAfterSeconds: 1))
    }

    @Test func sharedBudgetGrantsThenAsksToRetry() async {
        let clock = ManualClock()
        let budget = UpstreamBudget(limitPerMinute: 2, maxWait: .zero, now: clock.now)
        #expect(await budget.acquire() == .granted)
        #expect(await budget.acquire() == .granted)
        #expect(await budget.acquire() == .retryAfter(seconds: 60))
        clock.advance(.seconds(60))
        #expect(await budget.acquire() == .granted)
    }
}
