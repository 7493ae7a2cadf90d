# Greenlight app image (documented in README, "Serving a team"; not built in CI: no Docker engine there).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY app.py serve.py ./
COPY lib ./lib
COPY pages ./pages
COPY .streamlit/config.toml ./.streamlit/config.toml
RUN mkdir -p data && useradd --create-home greenlight && chown -R greenlight /app
USER greenlight
EXPOSE 8501
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health')"
# Sign-in: mount a secrets.toml with [auth] and [greenlight] editors at /app/.streamlit/secrets.toml.
CMD ["python", "-m", "streamlit", "run", "serve.py", "--server.address", "0.0.0.0", "--server.port", "8501", \
     "--server.headless", "true"]
