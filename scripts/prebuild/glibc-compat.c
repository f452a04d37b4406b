/*
 * Linked into the prebuilt binaries only (scripts/prebuild/build.sh): hidden
 * definitions of the glibc symbols newer than 2.28 that the addon and the
 * static libstdc++/libgcc of Debian's GCC 12 reference, so the binary loads
 * on glibc 2.28 (what Node 20 needs). Each is resolved here at link time and
 * never imported; scripts/prebuild/check.sh proves none is left.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define HIDDEN __attribute__((visibility("hidden")))

#if defined(__x86_64__)
#define OLD_GLIBC "GLIBC_2.2.5"
#elif defined(__aarch64__)
#define OLD_GLIBC "GLIBC_2.17"
#else
#error "glibc-compat.c: x86_64 and aarch64 only"
#endif

/* stat64/fstat64 became functions at GLIBC_2.33 (before: inline over __xstat64).
   On LP64 x86_64 and aarch64, struct stat64 is the kernel's struct stat. */
HIDDEN int fstat64(int fd, struct stat64 *st) { return (int)syscall(SYS_fstat, fd, st); }
HIDDEN int stat64(const char *path, struct stat64 *st) { return (int)syscall(SYS_newfstatat, AT_FDCWD, path, st, 0); }
HIDDEN int lstat64(const char *path, struct stat64 *st) { return (int)syscall(SYS_newfstatat, AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW); }
HIDDEN int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags) { return (int)syscall(SYS_newfstatat, dirfd, path, st, flags); }

/* GLIBC_2.32: libstdc++ skips atomics when this says single-threaded; 0 = always use them. */
HIDDEN char __libc_single_threaded = 0;

/* GLIBC_2.36: std::random_device's default source. */
HIDDEN uint32_t arc4random(void) {
  uint32_t v;
  while (getrandom(&v, sizeof v, 0) != (ssize_t)sizeof v) {
  }
  return v;
}

/* GLIBC_2.34 moved these from libpthread into libc under a new version; bind
   the static libstdc++/libgcc references to the old version instead. */
extern int old_pthread_once(pthread_once_t *, void (*)(void));
extern int old_pthread_key_create(pthread_key_t *, void (*)(void *));
__asm__(".symver old_pthread_once, pthread_once@" OLD_GLIBC);
__asm__(".symver old_pthread_key_create, __pthread_key_create@" OLD_GLIBC);
HIDDEN int pthread_once(pthread_once_t *once, void (*fn)(void)) { return old_pthread_once(once, fn); }
HIDDEN int __pthread_key_create(pthread_key_t *key, void (*dtor)(void *)) { return old_pthread_key_create(key, dtor); }

/* GLIBC_2.35: libgcc's unwinder finds a PC's .eh_frame_hdr with it, and does
   not fall back when it fails; the same answer from dl_iterate_phdr
   (struct dl_find_object as the build's <dlfcn.h> declares it). */
struct find_arg {
  uintptr_t pc;
  struct dl_find_object *out;
  int found;
};
static int find_cb(struct dl_phdr_info *info, size_t size, void *data) {
  struct find_arg *a = data;
  uintptr_t lo = UINTPTR_MAX, hi = 0;
  void *eh = NULL;
  int hit = 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *p = &info->dlpi_phdr[i];
    uintptr_t start = info->dlpi_addr + p->p_vaddr;
    if (p->p_type == PT_LOAD) {
      if (start < lo) lo = start;
      if (start + p->p_memsz > hi) hi = start + p->p_memsz;
      if (a->pc >= start && a->pc < start + p->p_memsz) hit = 1;
    } else if (p->p_type == PT_GNU_EH_FRAME) {
      eh = (void *)start;
    }
  }
  if (!hit) return 0;
  a->out->dlfo_flags = 0;
  a->out->dlfo_map_start = (void *)lo;
  a->out->dlfo_map_end = (void *)hi;
  a->out->dlfo_link_map = NULL;
  a->out->dlfo_eh_frame = eh;
  a->found = 1;
  return 1;
}
HIDDEN int _dl_find_object(void *pc, struct dl_find_object *out) {
  struct find_arg a = {(uintptr_t)pc, out, 0};
  dl_iterate_phdr(find_cb, &a);
  return a.found ? 0 : -1;
}
