FROM quay.io/jupyter/minimal-notebook:python-3.11
COPY --chown=${NB_UID}:${NB_GID} dist/learner /opt/ebpm-learner
COPY scripts/configure_jupyter.py /tmp/configure_jupyter.py
# ebpm dist の pyproject.toml は environment.yml と同じ依存パッケージを持ち、data/ もパッケージに入ります。
# nbgitpuller は教材の配布リンク（「教材を配る」）のためで、イメージにだけ入れます。
# configure_jupyter.py: 日本語メニュー、ニュース停止、講師用ツールの無効化（イメージの環境の中だけ）
RUN pip install --no-cache-dir /opt/ebpm-learner "nbgitpuller>=1.2,<2" \
 && python /tmp/configure_jupyter.py
USER root
COPY deploy/nbgrader_config.py /etc/jupyter/nbgrader_config.py
USER ${NB_UID}
