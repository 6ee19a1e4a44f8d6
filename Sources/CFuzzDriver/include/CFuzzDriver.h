// libFuzzer's driver entry point, declared weak so that a normal build (no
// -sanitize=fuzzer) still links; the fuzz executable checks for it at run time.
#ifndef CFUZZDRIVER_H
#define CFUZZDRIVER_H
#include <stddef.h>
#include <stdint.h>
__attribute__((weak)) int LLVMFuzzerRunDriver(int *argc, char ***argv,
                                              int (*UserCb)(const uint8_t *Data, size_t Size));
static inline int cfuzz_have_libfuzzer(void) { return LLVMFuzzerRunDriver != 0; }
#endif
