DROP INDEX certificates_advisor;
