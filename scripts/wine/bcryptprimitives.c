/* A stand-in for Windows' bcryptprimitives.dll, for a Wine that lacks it
 * (Debian 12's Wine 8.0). Rust's standard library (1.78 and later) gets
 * its random numbers from bcryptprimitives!ProcessPrng, so a Rust program
 * built for Windows does not even start under such a Wine ("bcryptprimitives.dll
 * not found", exit code 53). Real Windows 10 and 11 have the DLL; this file
 * is only ever put next to the .exe files that scripts/wine-check.sh runs.
 *
 * ProcessPrng fills the buffer from RtlGenRandom (advapi32's
 * SystemFunction036), which every Wine has. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
