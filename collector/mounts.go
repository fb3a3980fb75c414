package collector

import (
	"bytes"
	"path/filepath"
	"strings"
)

// Mount is one filesystem whose usage the collector reports (host.fs.* with label mount = Path).
type Mount struct {
	Path       string // mount point, the "mount" label
	Device     string
	FSType     string
	TotalBytes uint64 // size of the filesystem
	UsedBytes  uint64 // size minus free blocks (includes blocks reserved for root)
	AvailBytes uint64 // free blocks available to unprivileged users
}

// skipFS lists filesystem types that hold no user data (kernel interfaces, memory-backed,
// read-only images) or whose statfs can hang when a server is unreachable (network filesystems):
// the default mount list leaves them out. Pass Config.Mounts to report them anyway.
var skipFS = map[string]bool{
	"autofs": true, "binfmt_misc": true, "bpf": true, "cgroup": true, "cgroup2": true,
	"configfs": true, "debugfs": true, "devpts": true, "devtmpfs": true, "efivarfs": true,
	"fusectl": true, "hugetlbfs": true, "mqueue": true, "nsfs": true, "proc": true,
	"pstore": true, "ramfs": true, "rootfs": true, "rpc_pipefs": true, "securityfs": true,
	"selinuxfs": true, "squashfs": true, "sysfs": true, "tmpfs": true, "tracefs": true,
	"nfsd": true, "iso9660": true, "fuse.lxcfs": true, "fuse.gvfsd-fuse": true,
	"fuse.portal": true, "fuse.snapfuse": true,
	// network filesystems: statfs may block for minutes
	"nfs": true, "nfs4": true, "cifs": true, "smb3": true, "smbfs": true, "ncpfs": true,
	"afs": true, "9p": true, "ceph": true, "glusterfs": true, "fuse.sshfs": true,
	"fuse.glusterfs": true, "fuse.s3fs": true, "fuse.rclone": true, "lustre": true,
}

// skipPaths are mount-point trees of the kernel and of container runtimes' bookkeeping (the
// overlay layers of every container, kubelet volumes, snap images).
var skipPaths = []string{
	"/proc", "/sys", "/dev", "/run/docker", "/run/containerd", "/run/k3s", "/run/user",
	"/var/lib/docker", "/var/lib/containers", "/var/lib/kubelet", "/var/lib/containerd",
	"/snap",
}

func skipMountPath(p string) bool {
	for _, s := range skipPaths {
		if p == s || (strings.HasPrefix(p, s) && p[len(s)] == '/') {
			return true
		}
	}
	return false
}

// mountReader is the default Config.Mounts: it parses the mount table and statfs's every real
// filesystem. Only Sample calls it, under the collector's lock.
type mountReader struct {
	paths  []string // mount table candidates, first existing wins
	buf    []byte
	statfs func(path string) (total, used, avail uint64, err error)
}

func newMountReader(procRoot string) *mountReader {
	return &mountReader{
		paths:  []string{filepath.Join(procRoot, "self", "mounts"), filepath.Join(procRoot, "mounts")},
		statfs: statfs,
	}
}

func (r *mountReader) read() ([]Mount, error) {
	var (
		b   []byte
		err error
	)
	for _, p := range r.paths {
		if b, err = readInto(p, &r.buf); err == nil {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	cands := parseMounts(b)
	out := cands[:0]
	for _, m := range cands {
		total, used, avail, err := r.statfs(m.Path)
		if err != nil || total == 0 {
			continue // vanished, not permitted, or a pseudo filesystem we did not know
		}
		m.TotalBytes, m.UsedBytes, m.AvailBytes = total, used, avail
		out = append(out, m)
	}
	return out, nil
}

// parseMounts parses a /proc/mounts table ("device mountpoint fstype options 0 0") and keeps
// the real filesystems: known pseudo and network types and runtime bookkeeping paths are
// skipped, and a block device mounted several times (bind mounts) is kept once, at its first
// mount point.
func parseMounts(b []byte) []Mount {
	var out []Mount
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		dev, i := nextField(line, 0)
		path, i := nextField(line, i)
		fstype, _ := nextField(line, i)
		if len(fstype) == 0 || skipFS[string(fstype)] {
			continue
		}
		p := unescapeMount(path)
		if !strings.HasPrefix(p, "/") || skipMountPath(p) {
			continue
		}
		d := unescapeMount(dev)
		dup := false
		for _, m := range out {
			if m.Path == p || (strings.HasPrefix(d, "/dev/") && m.Device == d) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, Mount{Path: p, Device: d, FSType: string(fstype)})
		}
	}
	return out
}

// unescapeMount undoes the octal escapes (\040 for space, \011, \012, \134) of the mount table.
func unescapeMount(b []byte) string {
	if bytes.IndexByte(b, '\\') < 0 {
		return string(b)
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] == '\\' && i+3 < len(b) && isOctal(b[i+1]) && isOctal(b[i+2]) && isOctal(b[i+3]) {
			out = append(out, (b[i+1]-'0')<<6|(b[i+2]-'0')<<3|(b[i+3]-'0'))
			i += 3
			continue
		}
		out = append(out, b[i])
	}
	return string(out)
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }
