package httpapi

import (
	"net/http"

	"livedash"
)

type userRequest struct {
	Email       string   `json:"email"`
	DisplayName string   `json:"display_name"`
	Roles       []string `json:"roles"`
	Password    string   `json:"password"`
}

func handleUserList(d Deps) http.Handler { return listHandler(d, d.Service.ListUsers) }

func handleUserCreate(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[userRequest](w, r, d.MaxBodyBytes)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		u := livedash.User{Email: req.Email, DisplayName: req.DisplayName, Roles: req.Roles}
		u, err = d.Service.CreateUser(r.Context(), principalOf(r), u, req.Password)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		encode(w, http.StatusCreated, u)
	})
}
