// Package config loads aktenfluss's configuration from an optional YAML file
// and the environment (the environment wins), fills defaults and validates
// everything at start, with errors that name the setting both as it is
// written in the file and as its environment variable. It is the only
// package that reads the environment.
package config
