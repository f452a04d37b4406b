// ICMP_FILTER (SOL_RAW) for files that include libc's <net/if.h>: its home,
// <linux/icmp.h>, pulls <linux/if.h>, whose definitions clash with libc's.
// options.cc includes <linux/icmp.h> itself and checks the two agree.
#pragma once

namespace sockit {
constexpr int kIcmpFilter = 1;  // linux/icmp.h ICMP_FILTER
}  // namespace sockit

#ifndef ICMP_FILTER
#define ICMP_FILTER ::sockit::kIcmpFilter
#endif
