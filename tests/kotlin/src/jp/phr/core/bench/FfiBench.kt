package jp.phr.core.bench

import jp.phr.core.PhrStore
import jp.phr.core.coreVersion
import jp.phr.core.model.AggregateQuery
import jp.phr.core.model.ClinicalInput
import jp.phr.core.model.Granularity
import jp.phr.core.model.NewPerson
import jp.phr.core.model.ObservationInput
import jp.phr.core.model.ObservationType
import jp.phr.core.model.Provenance
import jp.phr.core.model.Sex
import jp.phr.core.model.Stamp
import java.nio.file.Files
import java.time.LocalDate

/**
 * FFI round trip from Kotlin on the JVM (JNA): a trivial call, and a 12-month aggregate over a
 * year of daily steps. System.nanoTime over many iterations after a warm-up. Prints one line per
 * measurement; docs/PERFORMANCE.md ("FFI round trip") records the figures.
 */
fun main(args: Array<String>) {
    val trivialIters = args.getOrNull(0)?.toInt() ?: 200_000
    val aggIters = args.getOrNull(1)?.toInt() ?: 300
    val dir = Files.createTempDirectory("phr-bench").toFile()
    val session = PhrStore(dir.path).create("bench passphrase that is long enough", 64u)
    val me = session.addPerson(
        NewPerson("bench", "山田", "花子", null, null, "1980-04-01", Sex.FEMALE, null, null, null, null),
    ).id
    val now = System.currentTimeMillis() / 1000
    val year = (0L until 365L).map {
        ClinicalInput.Observation(
            ObservationInput(ObservationType.STEPS, 8000.0 + it, null, null, null, null, Stamp(now - it * 86_400 - 3600, 9 * 3600)),
        )
    }
    session.addRecords(me, year, Provenance.DEVICE, null)
    val today = LocalDate.parse(session.today())
    val query = AggregateQuery(ObservationType.STEPS, Granularity.MONTH, today.minusDays(364).toString(), today.toString(), null)

    val threads = java.lang.management.ManagementFactory.getThreadMXBean()
    fun show(ns: Double) = if (ns < 1_000_000) "%.2f µs".format(ns / 1_000) else "%.3f ms".format(ns / 1_000_000)
    fun measure(name: String, iters: Int, block: () -> Unit) {
        repeat(maxOf(iters / 10, 10)) { block() } // warm-up (JIT, caches)
        val c0 = threads.currentThreadCpuTime
        val t0 = System.nanoTime()
        repeat(iters) { block() }
        val perCallNs = (System.nanoTime() - t0).toDouble() / iters
        // CPU time of the calling thread: less sensitive to other load on a shared machine
        // (GC and JNA's cleaner thread are not counted).
        val cpuNs = (threads.currentThreadCpuTime - c0).toDouble() / iters
        println("bench: %-34s %10s per call, %10s calling-thread CPU (%d iterations)".format(name, show(perCallNs), show(cpuNs), iters))
    }

    var sink = 0L
    // Baseline: a bare JNA direct call into the library (no status struct, no handle): what the
    // JNA transport alone costs on this JVM. Internal to the module, so only this bench uses it.
    measure("bare JNA call (contract version)", trivialIters) {
        sink += jp.phr.core.IntegrityCheckingUniffiLib.ffi_phr_ffi_uniffi_contract_version()
    }
    measure("coreVersion() (returns a string)", trivialIters) { sink += coreVersion().length }
    measure("isLocked() (method on an object)", trivialIters) { if (session.isLocked()) sink++ }
    measure("aggregate 12 months of daily steps", aggIters) {
        val buckets = session.aggregate(me, query)
        sink += buckets.size
    }
    session.lock()
    dir.deleteRecursively()
    if (sink == 42L) println() // keep the JIT from dropping the calls
}
