package alert

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"time"

	mail "github.com/wneessen/go-mail"
)

// EmailOptions configure SMTP delivery.
type EmailOptions struct {
	Host     string
	Port     int // default 587
	Username string
	Password string
	From     string
	To       []string
	// TLS is "starttls" (default: required, refuses a server without it),
	// "tls" (implicit TLS, port 465) or "none" (a local relay only).
	TLS string
	// TLSConfig overrides certificate checks (tests use their own CA).
	TLSConfig *tls.Config
}

// Email sends alerts over SMTP.
type Email struct {
	name string
	opts EmailOptions
}

// NewEmail checks the options and returns an email notifier.
func NewEmail(name string, o EmailOptions) (*Email, error) {
	var errs []error
	if o.Host == "" {
		errs = append(errs, errors.New("host is empty"))
	}
	if o.From == "" {
		errs = append(errs, errors.New("from is empty"))
	}
	if len(o.To) == 0 {
		errs = append(errs, errors.New("to is empty"))
	}
	switch o.TLS {
	case "", "starttls", "tls", "none":
	default:
		errs = append(errs, fmt.Errorf("tls %q: want starttls, tls or none", o.TLS))
	}
	if o.Port == 0 {
		o.Port = 587
		if o.TLS == "tls" {
			o.Port = 465
		}
	}
	return &Email{name: name, opts: o}, errors.Join(errs...)
}

func (e *Email) Name() string { return e.name }
func (e *Email) Type() string { return "email" }

// Notify sends one plain-text mail whose subject is the alert's title.
func (e *Email) Notify(ctx context.Context, a Alert) error {
	m := mail.NewMsg()
	if err := m.From(e.opts.From); err != nil {
		return Permanent(fmt.Errorf("from address: %w", err))
	}
	if err := m.To(e.opts.To...); err != nil {
		return Permanent(fmt.Errorf("to address: %w", err))
	}
	m.Subject("memepipe " + a.Title())
	m.SetBodyString(mail.TypeTextPlain, a.Text())

	opts := []mail.Option{mail.WithPort(e.opts.Port), mail.WithTimeout(15 * time.Second)}
	switch e.opts.TLS {
	case "tls":
		opts = append(opts, mail.WithSSL())
	case "none":
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if e.opts.TLSConfig != nil {
		opts = append(opts, mail.WithTLSConfig(e.opts.TLSConfig))
	}
	if e.opts.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlain), mail.WithUsername(e.opts.Username), mail.WithPassword(e.opts.Password))
	}
	c, err := mail.NewClient(e.opts.Host, opts...)
	if err != nil {
		return Permanent(fmt.Errorf("smtp client: %w", err))
	}
	if err := c.DialAndSendWithContext(ctx, m); err != nil {
		return fmt.Errorf("smtp %s:%d: %w", e.opts.Host, e.opts.Port, err)
	}
	return nil
}
