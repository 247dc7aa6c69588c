/* A stand-in for the Rust cdylib libphr_ffi.so in the toolchain smoke tests. */
#ifndef PHR_SMOKE_ADD_H
#define PHR_SMOKE_ADD_H

int add(int a, int b);

#endif
