package sqlstore

import (
	"golang.org/x/crypto/bcrypt"

	"livedash"
)

// HashPassword returns the bcrypt hash of password at cost (bcrypt.DefaultCost when 0), after
// checking it with livedash.ValidatePassword.
func HashPassword(password string, cost int) (string, error) {
	if err := livedash.ValidatePassword(password); err != nil {
		return "", err
	}
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		return "", err
	}
	return string(h), nil
}

// CheckPassword reports whether password matches hash. It takes as long for any wrong password.
func CheckPassword(hash, password string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}
