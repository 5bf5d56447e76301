package alert

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// mailbox is a real SMTP server on loopback (go-smtp) that requires
// STARTTLS and AUTH PLAIN and keeps what it receives.
type mailbox struct {
	user, pass string
	mu         sync.Mutex
	mails      []received
}

type received struct {
	From string
	To   []string
	Data string
	TLS  bool
}

func (m *mailbox) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{box: m, conn: c}, nil
}

type session struct {
	box    *mailbox
	authed bool
	conn   *smtp.Conn
	cur    received
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != s.box.user || pass != s.box.pass {
			return errors.New("invalid credentials")
		}
		s.authed = true
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if !s.authed {
		return smtp.ErrAuthRequired
	}
	s.cur.From = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.To = append(s.cur.To, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.Data = string(b)
	_, s.cur.TLS = s.conn.TLSConnectionState()
	s.box.mu.Lock()
	s.box.mails = append(s.box.mails, s.cur)
	s.box.mu.Unlock()
	s.cur = received{}
	return nil
}

func (s *session) Reset()        { s.cur = received{} }
func (s *session) Logout() error { return nil }

// selfSigned makes a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "memepipe test smtp"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

func startSMTP(t *testing.T, box *mailbox) (port int, roots *x509.CertPool) {
	t.Helper()
	cert, roots := selfSigned(t)
	srv := smtp.NewServer(box)
	srv.Domain = "localhost"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.ReadTimeout, srv.WriteTimeout = 5*time.Second, 5*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	_, p, _ := net.SplitHostPort(l.Addr().String())
	port, _ = strconv.Atoi(p)
	return port, roots
}

func TestEmailOverSTARTTLSWithAuth(t *testing.T) {
	box := &mailbox{user: "alerts@example.org", pass: "smtp-pass-canary-77"}
	port, roots := startSMTP(t, box)
	e, err := NewEmail("mail", EmailOptions{
		Host: "127.0.0.1", Port: port, Username: box.user, Password: box.pass,
		From: "memepipe@example.org", To: []string{"oncall@example.org"},
		TLSConfig: &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Notify(context.Background(), sampleAlert()); err != nil {
		t.Fatal(err)
	}
	box.mu.Lock()
	defer box.mu.Unlock()
	if len(box.mails) != 1 {
		t.Fatalf("got %d mails", len(box.mails))
	}
	m := box.mails[0]
	if !m.TLS {
		t.Error("mail was not sent over TLS")
	}
	if m.From != "memepipe@example.org" || len(m.To) != 1 || m.To[0] != "oncall@example.org" {
		t.Errorf("envelope from %q to %v", m.From, m.To)
	}
	for _, want := range []string{"Subject: memepipe [FIRING] task_failed: collect/etherscan", "run: r_123", "attempt: 3", "HTTP 502 from etherscan.tokentx"} {
		if !strings.Contains(m.Data, want) {
			t.Errorf("mail lacks %q:\n%s", want, m.Data)
		}
	}
	if strings.Contains(m.Data, box.pass) {
		t.Error("the SMTP password appears in the mail")
	}
}

func TestEmailWrongPasswordFails(t *testing.T) {
	box := &mailbox{user: "u", pass: "right"}
	port, roots := startSMTP(t, box)
	e, _ := NewEmail("mail", EmailOptions{Host: "127.0.0.1", Port: port, Username: "u", Password: "wrong",
		From: "a@example.org", To: []string{"b@example.org"}, TLSConfig: &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"}})
	err := e.Notify(context.Background(), sampleAlert())
	if err == nil {
		t.Fatal("wrong password: no error")
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Errorf("error leaks the password: %v", err)
	}
	if len(box.mails) != 0 {
		t.Errorf("mail accepted despite failed auth")
	}
}
