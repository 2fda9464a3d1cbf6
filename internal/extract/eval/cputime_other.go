//go:build !unix

package eval

import "time"

// processCPU is unknown on this system: CPU figures read 0.
func processCPU() time.Duration { return 0 }
