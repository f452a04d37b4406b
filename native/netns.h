// Visiting another network namespace from the calling thread (netns.cc).
#pragma once

#include <string>

namespace sockit {

// Move the calling thread into the network namespace at `path`. On success
// returns 0 and stores a descriptor of the original namespace in *saved (pass
// it to LeaveNetns). On failure returns -errno and sets *step to "open" or
// "setns"; the thread has not moved.
int EnterNetns(const std::string& path, int* saved, const char** step);
// Return to the namespace saved by EnterNetns and close the descriptor.
// Aborts the process if that is impossible (the thread would be stranded).
void LeaveNetns(int saved);

}  // namespace sockit
