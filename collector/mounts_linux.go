//go:build linux

package collector

import "syscall"

// statfs returns a filesystem's size, used bytes (size minus free blocks) and bytes available to
// unprivileged users, like df.
func statfs(path string) (total, used, avail uint64, err error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return 0, 0, 0, err
	}
	bs := uint64(st.Frsize)
	if bs == 0 {
		bs = uint64(st.Bsize)
	}
	total = st.Blocks * bs
	used = (st.Blocks - st.Bfree) * bs
	avail = st.Bavail * bs
	return total, used, avail, nil
}
