//go:build !linux

package collector

import "errors"

func statfs(string) (total, used, avail uint64, err error) {
	return 0, 0, 0, errors.ErrUnsupported
}
