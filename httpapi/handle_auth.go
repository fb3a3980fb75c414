package httpapi

import (
	"context"
	"mime"
	"net/http"
	"strings"
	"time"

	"livedash"
)

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Tenant   string `json:"tenant,omitempty"` // needed only when the email is used in several tenants
}

type loginResponse struct {
	Token     string        `json:"token"`
	ExpiresAt time.Time     `json:"expires_at"`
	User      livedash.User `json:"user"`
}

// projectLister is the part of livedash.ProjectStore login uses for the projects claim.
type projectLister interface {
	UserProjects(ctx context.Context, tenant, userID string) ([]string, error)
}

func handleLogin(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A cross-site form can post only form or text bodies without a preflight; requiring
		// JSON keeps another site from logging a visitor into the attacker's account.
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
			writeError(w, r, d.Logger, livedash.Errorf(livedash.EBadRequest, "login needs Content-Type: application/json"))
			return
		}
		req, err := decode[loginRequest](w, r, d.MaxBodyBytes)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		switch {
		case strings.TrimSpace(req.Email) == "":
			writeError(w, r, d.Logger, badField("email", "must not be empty"))
			return
		case req.Password == "":
			writeError(w, r, d.Logger, badField("password", "must not be empty"))
			return
		}
		u, err := d.Users.Authenticate(r.Context(), req.Tenant, req.Email, req.Password)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		startSession(w, r, d, u)
	})
}

// handleRefresh gives a logged-in user a fresh token and cookie before the current one expires
// (a sliding session). The user is read again, so changed roles and projects take effect and a
// deleted user cannot go on refreshing.
func handleRefresh(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := principalOf(r)
		u, err := d.Users.User(r.Context(), p.Tenant, p.UserID)
		if livedash.ErrorCode(err) == livedash.ENotFound {
			// A token minted for a service (livedash token) names no stored user: mint another.
			writeError(w, r, d.Logger, livedash.Errorf(livedash.EForbidden, "this token names no user of the tenant; only login sessions can be refreshed"))
			return
		}
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		startSession(w, r, d, u)
	})
}

// startSession mints a token for u with its current projects, sets the session cookie and answers
// with the token.
func startSession(w http.ResponseWriter, r *http.Request, d Deps, u livedash.User) {
	var projects []string
	if pl, ok := d.Users.(projectLister); ok {
		var err error
		if projects, err = pl.UserProjects(r.Context(), u.Tenant, u.ID); err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
	}
	tok, err := d.Minter.Mint(u.Principal(projects), d.TokenTTL)
	if err != nil {
		writeError(w, r, d.Logger, err)
		return
	}
	expires := time.Now().Add(d.TokenTTL)
	http.SetCookie(w, sessionCookie(d, tok, int(d.TokenTTL/time.Second), expires))
	encode(w, http.StatusOK, loginResponse{Token: tok, ExpiresAt: expires.UTC().Truncate(time.Second), User: u})
}

// handleLogout clears the session cookie. A request carrying the cookie must send the CSRF
// header, so that another site cannot log the user out.
func handleLogout(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, viaCookie := token(r); viaCookie && r.Header.Get(CSRFHeader) != "1" {
			writeError(w, r, d.Logger, errorf(codeCSRF, "send the header %s: 1 to log out", CSRFHeader))
			return
		}
		http.SetCookie(w, sessionCookie(d, "", -1, time.Unix(0, 0)))
		w.WriteHeader(http.StatusNoContent)
	})
}

// sessionCookie is the session cookie holding tok; maxAge < 0 deletes it.
func sessionCookie(d Deps, tok string, maxAge int, expires time.Time) *http.Cookie {
	return &http.Cookie{
		Name:     SessionCookie,
		Value:    tok,
		Path:     "/",
		MaxAge:   maxAge,
		Expires:  expires,
		HttpOnly: true,
		Secure:   d.SecureCookies,
		SameSite: http.SameSiteStrictMode,
	}
}

type meResponse struct {
	Principal           livedash.Principal `json:"principal"`
	User                *livedash.User     `json:"user"` // null when the token names no stored user
	Tenant              livedash.Tenant    `json:"tenant"`
	UnreadNotifications int64              `json:"unread_notifications"`
}

func handleMe(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := principalOf(r)
		resp := meResponse{Principal: p, Tenant: livedash.Tenant{ID: p.Tenant}}
		if u, err := d.Users.User(r.Context(), p.Tenant, p.UserID); err == nil {
			resp.User = &u
		} else if livedash.ErrorCode(err) != livedash.ENotFound {
			writeError(w, r, d.Logger, err)
			return
		}
		if t, err := d.Tenants.Tenant(r.Context(), p.Tenant); err == nil {
			resp.Tenant = t
		} else if livedash.ErrorCode(err) != livedash.ENotFound {
			writeError(w, r, d.Logger, err)
			return
		}
		n, err := d.Service.UnreadCount(r.Context(), p)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		resp.UnreadNotifications = n
		encode(w, http.StatusOK, resp)
	})
}

type tenantRequest struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name"`
}

func handleTenantCreate(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[tenantRequest](w, r, d.MaxBodyBytes)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		t := livedash.Tenant{ID: req.ID, Name: req.Name}
		if err := t.Validate(); err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		t, err = d.Tenants.CreateTenant(r.Context(), t)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		encode(w, http.StatusCreated, t)
	})
}
